/**
 * The audio (AuT) and vision (ViT) encoder dimensions from `thinker_config.audio_config` / `vision_config`
 * (qwen3-omni.md §§1.2, 3, 5). Every width comes from the file; only what transformers 5.18 itself defaults
 * without ambiguity (LayerNorm/conv structure, the vision rope base) is implied.
 */
import { z } from 'zod';
import { validate } from '../processor/config';
import { count, expected, invalid, obj, readConfigJson } from './config';

/** ONNX `Gelu` `approximate`: transformers' exact erf GELU ('gelu') or its tanh form ('gelu_pytorch_tanh', 'gelu_new'). */
export type GeluApproximation = 'none' | 'tanh';

const GELU_ACTIVATIONS: Record<string, GeluApproximation> = { gelu: 'none', gelu_pytorch_tanh: 'tanh', gelu_new: 'tanh' };

export interface AudioEncoderConfig {
  melBins: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  ffnSize: number;
  activation: GeluApproximation;
  /** Channels of the three stride-2 Conv2d layers. */
  convChannels: number;
  /** Chunks are 2·nWindow mel frames; attention windows span nWindowInfer frames' worth of chunks. */
  nWindow: number;
  nWindowInfer: number;
  /** The thinker's hidden size. */
  outputSize: number;
}

export interface VisionEncoderConfig {
  hiddenSize: number;
  depth: number;
  numHeads: number;
  intermediateSize: number;
  activation: GeluApproximation;
  inChannels: number;
  patchSize: number;
  temporalPatchSize: number;
  spatialMergeSize: number;
  /** The learned position table is numGridPerSide² rows, resampled to each image's grid. */
  numGridPerSide: number;
  ropeTheta: number;
  /** Blocks after which a merger emits a deepstack feature, in thinker-layer order. */
  deepstackIndexes: number[];
  /** The thinker's hidden size. */
  outputSize: number;
}

export interface EncoderConfigs {
  audio: AudioEncoderConfig;
  vision: VisionEncoderConfig;
}

const gelu = z.enum(Object.keys(GELU_ACTIVATIONS) as [string, ...string[]], { error: `expected one of ${Object.keys(GELU_ACTIVATIONS).join(', ')}` });

const schema = obj({
  thinker_config: obj({
    text_config: obj({ hidden_size: count }),
    audio_config: obj({
      num_mel_bins: count,
      d_model: count,
      encoder_layers: count,
      encoder_attention_heads: count,
      encoder_ffn_dim: count,
      activation_function: gelu,
      downsample_hidden_size: count,
      // transformers hard-codes 13 tokens per 100-frame chunk (`_get_feat_extract_output_lengths`), which only
      // matches the convolutions when a chunk is 100 frames.
      n_window: z.literal(50, { error: 'expected 50 (transformers counts 13 tokens per 100-frame chunk)' }),
      n_window_infer: count,
      output_dim: count,
    }),
    vision_config: obj({
      hidden_size: count,
      depth: count,
      num_heads: count,
      intermediate_size: count,
      hidden_act: gelu,
      in_channels: count,
      patch_size: count,
      temporal_patch_size: count,
      spatial_merge_size: count,
      num_position_embeddings: count,
      deepstack_visual_indexes: z.array(z.int().nonnegative(), expected('a list of block indexes')),
      out_hidden_size: count,
      // transformers 5 writes rope_parameters; 4.x checkpoints have none and use the class default base 10000.
      rope_parameters: obj({ rope_theta: z.number().positive().optional() }).nullish(),
    }),
  }),
});

/** Validates a parsed config.json; `source` names the file in errors. */
export function parseEncoderConfigs(json: unknown, source = 'config.json'): EncoderConfigs {
  const { audio_config: a, vision_config: v, text_config: text } = validate(schema, json, source).thinker_config;
  // Both encoders' features replace token embeddings.
  const thinkerHiddenSize = text.hidden_size;
  const field = (group: string, key: string) => `thinker_config.${group}.${key}`;
  if (a.d_model % a.encoder_attention_heads !== 0) {
    throw invalid(source, field('audio_config', 'encoder_attention_heads'), `${a.encoder_attention_heads} does not divide d_model ${a.d_model}`);
  }
  if (a.n_window_infer < 2 * a.n_window) {
    throw invalid(source, field('audio_config', 'n_window_infer'), `${a.n_window_infer} is shorter than one ${2 * a.n_window}-frame chunk`);
  }
  const headDim = v.hidden_size / v.num_heads;
  // The 2-D rotary splits each rotated half between rows and columns.
  if (!Number.isInteger(headDim) || headDim % 4 !== 0) {
    throw invalid(source, field('vision_config', 'num_heads'), `hidden_size ${v.hidden_size} / num_heads ${v.num_heads} is not a multiple of 4`);
  }
  const numGridPerSide = Math.round(Math.sqrt(v.num_position_embeddings));
  if (numGridPerSide * numGridPerSide !== v.num_position_embeddings) {
    throw invalid(source, field('vision_config', 'num_position_embeddings'), `${v.num_position_embeddings} is not a square grid`);
  }
  const outOfRange = v.deepstack_visual_indexes.find((i) => i >= v.depth);
  if (outOfRange !== undefined) throw invalid(source, field('vision_config', 'deepstack_visual_indexes'), `block ${outOfRange} is beyond depth ${v.depth}`);
  for (const [group, key, value] of [['audio_config', 'output_dim', a.output_dim], ['vision_config', 'out_hidden_size', v.out_hidden_size]] as const) {
    if (value !== thinkerHiddenSize) throw invalid(source, field(group, key), `${value} differs from the thinker's hidden_size ${thinkerHiddenSize}`);
  }
  return {
    audio: {
      melBins: a.num_mel_bins,
      hiddenSize: a.d_model,
      numLayers: a.encoder_layers,
      numHeads: a.encoder_attention_heads,
      ffnSize: a.encoder_ffn_dim,
      activation: GELU_ACTIVATIONS[a.activation_function],
      convChannels: a.downsample_hidden_size,
      nWindow: a.n_window,
      nWindowInfer: a.n_window_infer,
      outputSize: a.output_dim,
    },
    vision: {
      hiddenSize: v.hidden_size,
      depth: v.depth,
      numHeads: v.num_heads,
      intermediateSize: v.intermediate_size,
      activation: GELU_ACTIVATIONS[v.hidden_act],
      inChannels: v.in_channels,
      patchSize: v.patch_size,
      temporalPatchSize: v.temporal_patch_size,
      spatialMergeSize: v.spatial_merge_size,
      numGridPerSide,
      ropeTheta: v.rope_parameters?.rope_theta ?? 10000,
      deepstackIndexes: v.deepstack_visual_indexes,
      outputSize: v.out_hidden_size,
    },
  };
}

export async function readEncoderConfigs(checkpointDir: string): Promise<EncoderConfigs> {
  const { json, file } = await readConfigJson(checkpointDir);
  return parseEncoderConfigs(json, file);
}
