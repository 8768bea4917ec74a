/**
 * The numbers the builder needs from a Qwen3-Omni `config.json`, validated field by field. Class defaults in
 * transformers are partly stale (qwen3-omni.md §1), so every dimension is required from the file itself; only keys
 * whose absence has one well-defined meaning in transformers (e.g. `mlp_only_layers` → none) get a default.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { OmniError } from '../errors';
import { validate } from '../processor/config';

export const SUPPORTED_ARCHITECTURES = ['Qwen3OmniMoeForConditionalGeneration'];

/** "missing (expected …)" for an absent key, as the processor's config errors say. */
export const expected = (kind: string) => ({ error: (issue: { input?: unknown }) => (issue.input === undefined ? `missing (expected ${kind})` : `expected ${kind}`) });
export const count = z.int(expected('a positive integer')).positive({ error: 'expected a positive integer' });
const index = z.int(expected('a non-negative integer')).nonnegative({ error: 'expected a non-negative integer' });
export const positive = z.number(expected('a positive number')).positive({ error: 'expected a positive number' });
const flag = z.boolean(expected('a boolean'));
export const obj = <T extends z.ZodRawShape>(shape: T) => z.object(shape, expected('an object'));

/** transformers 5 writes `rope_parameters`; checkpoints saved by 4.x carry `rope_theta` + `rope_scaling`. */
export const ropeBlock = obj({ rope_theta: positive.optional(), mrope_section: z.array(count).optional() });

export const textConfigSchema = obj({
  vocab_size: count,
  hidden_size: count,
  num_hidden_layers: count,
  num_attention_heads: count,
  num_key_value_heads: count,
  // Undeclared by the config class; transformers then uses hidden_size / num_attention_heads.
  head_dim: count.optional(),
  rms_norm_eps: positive,
  hidden_act: z.literal('silu', { error: 'only silu (SwiGLU) experts are supported' }).default('silu'),
  attention_bias: z.literal(false, { error: 'attention projections with biases are not supported' }).default(false),
  intermediate_size: count.optional(),
  num_experts: index,
  num_experts_per_tok: count.optional(),
  moe_intermediate_size: count.optional(),
  norm_topk_prob: flag.optional(),
  shared_expert_intermediate_size: index.default(0),
  decoder_sparse_step: count.default(1),
  mlp_only_layers: z.array(index, expected('a list of layer indexes')).default([]),
  rope_parameters: ropeBlock.nullish(),
  rope_scaling: ropeBlock.nullish(),
  rope_theta: positive.optional(),
});

const omniConfigSchema = obj({
  architectures: z.array(z.string(), expected('a list of class names')).min(1, { error: 'expected at least one architecture' }),
  enable_audio_output: flag.default(true),
  thinker_config: obj({
    text_config: textConfigSchema,
    vision_config: obj({ deepstack_visual_indexes: z.array(index, expected('a list of layer indexes')) }),
    tie_word_embeddings: flag.default(false),
  }),
  talker_config: obj({ accept_hidden_layer: count }).optional(),
});

export interface RopeConfig {
  theta: number;
  /**
   * Frequencies per T/H/W axis (interleaved M-RoPE, qwen3-omni.md §7.3); sums to headDim / 2. Plain 1-D RoPE (the
   * code predictor's) is `[headDim / 2, 0, 0]`: every frequency reads the one position row.
   */
  mropeSection: number[];
}

export interface MoeConfig {
  numExperts: number;
  topK: number;
  intermediateSize: number;
  /** Renormalise the top-k softmax weights to sum to 1. */
  normTopKProb: boolean;
  /** Width of the always-on expert with a sigmoid gate (talker); 0 = none. */
  sharedExpertIntermediateSize: number;
}

/** One Qwen3-MoE-style decoder stack (the thinker's; the talker's has the same shape plus a shared expert). */
export interface DecoderConfig {
  vocabSize: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  rope: RopeConfig;
  moe: MoeConfig | null;
  /** Dense SwiGLU width, for the layers that are not MoE. */
  intermediateSize: number | null;
  mlpOnlyLayers: number[];
  decoderSparseStep: number;
  tieWordEmbeddings: boolean;
}

export interface ThinkerConfig extends DecoderConfig {
  /** hidden_states index the talker reads (output of layer acceptHiddenLayer − 1, pre-norm); null without a talker. */
  acceptHiddenLayer: number | null;
  /** Layers 0..deepstackLayers−1 get a visual feature added to their output. */
  deepstackLayers: number;
}

/** The model structure the builder needs; token ids and rope-index settings are the processor's (processor/config.ts). */
export interface OmniConfig {
  architecture: string;
  thinker: ThinkerConfig;
}

/** transformers' rule (`Qwen3OmniMoeThinkerTextDecoderLayer`): MoE unless listed dense or off the sparse step. */
export function isMoeLayer(config: DecoderConfig, layer: number): boolean {
  return (
    config.moe !== null && !config.mlpOnlyLayers.includes(layer) && (layer + 1) % config.decoderSparseStep === 0
  );
}

/** Same wording as `validate`'s errors: file, field, problem. */
export function invalid(source: string, field: string, problem: string): OmniError {
  return new OmniError('CHECKPOINT_INVALID', `${source}: ${field}: ${problem}`, 'Compare the file with the Hugging Face snapshot it came from.');
}

/** `rope`: 'mrope' needs `mrope_section`; 'default' is 1-D RoPE (transformers' `rope_type: default` without sections). */
export function decoderConfig(
  text: z.infer<typeof textConfigSchema>,
  field: string,
  source: string,
  tieWordEmbeddings: boolean,
  rope: 'mrope' | 'default' = 'mrope',
): DecoderConfig {
  const headDim = text.head_dim ?? text.hidden_size / text.num_attention_heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw invalid(source, `${field}.head_dim`, `missing, and hidden_size / num_attention_heads = ${headDim} is not an even integer`);
  }
  if (text.num_attention_heads % text.num_key_value_heads !== 0) {
    throw invalid(source, `${field}.num_key_value_heads`, `${text.num_key_value_heads} does not divide num_attention_heads ${text.num_attention_heads}`);
  }
  const theta = text.rope_parameters?.rope_theta ?? text.rope_theta;
  if (theta === undefined) throw invalid(source, `${field}.rope_parameters.rope_theta`, 'missing (expected a positive number; or rope_theta)');
  const mropeSection = rope === 'default' ? [headDim / 2, 0, 0] : (text.rope_parameters?.mrope_section ?? text.rope_scaling?.mrope_section);
  if (!mropeSection) throw invalid(source, `${field}.rope_parameters.mrope_section`, 'missing (expected 3 frequency counts; or rope_scaling.mrope_section)');
  if (mropeSection.length !== 3 || mropeSection.reduce((a, b) => a + b, 0) !== headDim / 2) {
    throw invalid(source, `${field}.rope_parameters.mrope_section`, `[${mropeSection.join(', ')}] must have 3 entries summing to head_dim / 2 = ${headDim / 2}`);
  }
  let moe: MoeConfig | null = null;
  if (text.num_experts > 0) {
    const need = (key: 'num_experts_per_tok' | 'moe_intermediate_size' | 'norm_topk_prob') => {
      const value = text[key];
      if (value === undefined) throw invalid(source, `${field}.${key}`, `missing (required when num_experts is ${text.num_experts})`);
      return value;
    };
    moe = {
      numExperts: text.num_experts,
      topK: need('num_experts_per_tok') as number,
      intermediateSize: need('moe_intermediate_size') as number,
      normTopKProb: need('norm_topk_prob') as boolean,
      sharedExpertIntermediateSize: text.shared_expert_intermediate_size,
    };
    if (moe.topK > moe.numExperts) throw invalid(source, `${field}.num_experts_per_tok`, `${moe.topK} exceeds num_experts ${moe.numExperts}`);
  }
  const config: DecoderConfig = {
    vocabSize: text.vocab_size,
    hiddenSize: text.hidden_size,
    numLayers: text.num_hidden_layers,
    numHeads: text.num_attention_heads,
    numKvHeads: text.num_key_value_heads,
    headDim,
    rmsNormEps: text.rms_norm_eps,
    rope: { theta, mropeSection },
    moe,
    intermediateSize: text.intermediate_size ?? null,
    mlpOnlyLayers: text.mlp_only_layers,
    decoderSparseStep: text.decoder_sparse_step,
    tieWordEmbeddings,
  };
  const denseLayer = Array.from({ length: config.numLayers }, (_, i) => i).find((i) => !isMoeLayer(config, i));
  if (denseLayer !== undefined && config.intermediateSize === null) {
    throw invalid(source, `${field}.intermediate_size`, `missing (required: layer ${denseLayer} is a dense MLP)`);
  }
  return config;
}

/** Validates a parsed config.json; `source` names the file in errors. */
export function parseOmniConfig(json: unknown, source = 'config.json'): OmniConfig {
  const architectures = (json as { architectures?: unknown } | null)?.architectures;
  const architecture = Array.isArray(architectures) ? architectures.find((a) => typeof a === 'string') : undefined;
  if (typeof architecture === 'string' && !SUPPORTED_ARCHITECTURES.includes(architecture)) {
    throw new OmniError(
      'INVALID_REQUEST',
      `${source}: architecture ${architecture} is not supported (supported: ${SUPPORTED_ARCHITECTURES.join(', ')})`,
      'Point the builder at a Qwen3-Omni checkpoint (Qwen/Qwen3-Omni-30B-A3B-Instruct or a fine-tune of it).',
    );
  }
  const c = validate(omniConfigSchema, json, source);
  const thinkerText = decoderConfig(c.thinker_config.text_config, 'thinker_config.text_config', source, c.thinker_config.tie_word_embeddings);
  if (thinkerText.moe && thinkerText.moe.sharedExpertIntermediateSize > 0) {
    throw invalid(source, 'thinker_config.text_config.shared_expert_intermediate_size', 'the thinker has no shared expert; expected 0');
  }
  const talker = c.enable_audio_output ? c.talker_config : undefined;
  if (c.enable_audio_output && !talker) throw invalid(source, 'talker_config.accept_hidden_layer', 'missing (required when enable_audio_output is true)');
  if (talker && talker.accept_hidden_layer >= thinkerText.numLayers) {
    // hidden_states[numLayers] is the post-norm output, which the accept tap (a pre-norm layer output) cannot give.
    throw invalid(source, 'talker_config.accept_hidden_layer', `${talker.accept_hidden_layer} must be below the thinker's ${thinkerText.numLayers} layers`);
  }
  const deepstackLayers = c.thinker_config.vision_config.deepstack_visual_indexes.length;
  if (deepstackLayers > thinkerText.numLayers) {
    throw invalid(source, 'thinker_config.vision_config.deepstack_visual_indexes', `${deepstackLayers} deepstack features for ${thinkerText.numLayers} layers`);
  }
  return {
    architecture: c.architectures[0],
    thinker: { ...thinkerText, acceptHiddenLayer: talker?.accept_hidden_layer ?? null, deepstackLayers },
  };
}

/** The checkpoint's parsed config.json and its path (for error messages). */
export async function readConfigJson(checkpointDir: string): Promise<{ json: unknown; file: string }> {
  const file = path.join(checkpointDir, 'config.json');
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    throw new OmniError('MODEL_NOT_INSTALLED', `${file}: cannot read (${error.code ?? error.message})`, 'Point the builder at a complete Hugging Face snapshot.');
  });
  try {
    return { json: JSON.parse(text), file };
  } catch {
    throw new OmniError('CHECKPOINT_INVALID', `${file}: not valid JSON`, 'Download the checkpoint again.');
  }
}

export async function readOmniConfig(checkpointDir: string): Promise<OmniConfig> {
  const { json, file } = await readConfigJson(checkpointDir);
  return parseOmniConfig(json, file);
}
