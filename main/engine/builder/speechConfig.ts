/**
 * The speech-output half of a Qwen3-Omni `config.json` (qwen3-omni.md §1.3–1.4): the talker (projections + MoE
 * decoder), its code predictor and Code2Wav, validated field by field like the thinker's (config.ts). Absent when
 * `enable_audio_output` is false (Thinking/Captioner checkpoints have no talker weights).
 */
import { z } from 'zod';
import { validate } from '../processor/config';
import { count, decoderConfig, expected, invalid, obj, positive, readConfigJson, ropeBlock, textConfigSchema, type DecoderConfig } from './config';

export interface TalkerConfig extends DecoderConfig {
  /** Width of the thinker states the projections read. */
  thinkerHiddenSize: number;
  /** Inner width of text_projection / hidden_projection (`text_config.intermediate_size`). */
  projectionSize: number;
  /** Codes per frame: group 0 from the talker, 1..G−1 from the code predictor. */
  numCodeGroups: number;
}

/** Dense decoder with plain 1-D RoPE; `vocabSize` is the codebook size of groups 1..G−1. */
export type CodePredictorConfig = DecoderConfig;

export interface Code2WavConfig {
  codebookSize: number;
  numQuantizers: number;
  hiddenSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  intermediateSize: number;
  /** Keys a query sees: itself and the `slidingWindow − 1` before it (transformers' `kv_idx > q_idx − window`). */
  slidingWindow: number;
  ropeTheta: number;
  rmsNormEps: number;
  /** ConvTranspose + ConvNeXt stages between the transformer and the decoder. */
  upsamplingRatios: number[];
  /** Decoder blocks; channels halve from `decoderDim` at each. */
  upsampleRates: number[];
  decoderDim: number;
}

export interface SpeechConfig {
  talker: TalkerConfig;
  codePredictor: CodePredictorConfig;
  code2wav: Code2WavConfig;
}

/** transformers' `attribute_map` saves the talker's `num_experts` as `num_local_experts`; accept either spelling. */
const expertAlias = (value: unknown) =>
  value && typeof value === 'object' && !('num_experts' in value) && 'num_local_experts' in value
    ? { ...value, num_experts: (value as { num_local_experts: unknown }).num_local_experts }
    : value;

const talkerSchema = obj({
  thinker_hidden_size: count,
  num_code_groups: count,
  tie_word_embeddings: z.boolean(expected('a boolean')).default(false),
  text_config: z.preprocess(
    expertAlias,
    textConfigSchema.extend({
      // Every talker layer is the sparse block with a shared expert (Qwen3OmniMoeTalkerDecoderLayer), so these are
      // required; intermediate_size is the projections' inner width.
      num_experts: count,
      shared_expert_intermediate_size: count,
      intermediate_size: count,
    }),
  ),
  code_predictor_config: textConfigSchema.extend({
    num_experts: z.literal(0, { error: 'the code predictor has no experts' }).default(0),
    intermediate_size: count,
    num_code_groups: count,
    // The code predictor only builds a full-attention mask; any other layer type fails in transformers.
    layer_types: z.array(z.literal('full_attention', expected('"full_attention"'))).optional(),
  }),
});

const code2wavSchema = obj({
  codebook_size: count,
  num_quantizers: count,
  hidden_size: count,
  num_hidden_layers: count,
  num_attention_heads: count,
  num_key_value_heads: count,
  head_dim: count.optional(),
  intermediate_size: count,
  sliding_window: count,
  rms_norm_eps: positive,
  rope_parameters: ropeBlock.nullish(),
  rope_theta: positive.optional(),
  upsampling_ratios: z.array(count, expected('a list of upsampling factors')),
  upsample_rates: z.array(count, expected('a list of upsampling factors')),
  decoder_dim: count,
  hidden_act: z.literal('silu', { error: 'only silu (SwiGLU) is supported' }).default('silu'),
  attention_bias: z.literal(false, { error: 'attention projections with biases are not supported' }).default(false),
});

const speechSchema = obj({
  enable_audio_output: z.boolean(expected('a boolean')).default(true),
  talker_config: talkerSchema.optional(),
  code2wav_config: code2wavSchema.optional(),
});

function parseCode2Wav(c: z.infer<typeof code2wavSchema>, source: string): Code2WavConfig {
  const field = 'code2wav_config';
  const headDim = c.head_dim ?? c.hidden_size / c.num_attention_heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) throw invalid(source, `${field}.head_dim`, `missing, and hidden_size / num_attention_heads = ${headDim} is not an even integer`);
  if (c.num_attention_heads % c.num_key_value_heads !== 0) {
    throw invalid(source, `${field}.num_key_value_heads`, `${c.num_key_value_heads} does not divide num_attention_heads ${c.num_attention_heads}`);
  }
  const ropeTheta = c.rope_parameters?.rope_theta ?? c.rope_theta;
  if (ropeTheta === undefined) throw invalid(source, `${field}.rope_parameters.rope_theta`, 'missing (expected a positive number; or rope_theta)');
  if (c.decoder_dim % 2 ** c.upsample_rates.length !== 0) {
    throw invalid(source, `${field}.decoder_dim`, `${c.decoder_dim} does not halve ${c.upsample_rates.length} times`);
  }
  return {
    codebookSize: c.codebook_size,
    numQuantizers: c.num_quantizers,
    hiddenSize: c.hidden_size,
    numLayers: c.num_hidden_layers,
    numHeads: c.num_attention_heads,
    numKvHeads: c.num_key_value_heads,
    headDim,
    intermediateSize: c.intermediate_size,
    slidingWindow: c.sliding_window,
    ropeTheta,
    rmsNormEps: c.rms_norm_eps,
    upsamplingRatios: c.upsampling_ratios,
    upsampleRates: c.upsample_rates,
    decoderDim: c.decoder_dim,
  };
}

/** Validates the talker, code predictor and Code2Wav settings of a parsed config.json; null without audio output. */
export function parseSpeechConfig(json: unknown, source = 'config.json'): SpeechConfig | null {
  const c = validate(speechSchema, json, source);
  if (!c.enable_audio_output) return null;
  if (!c.talker_config) throw invalid(source, 'talker_config', 'missing (required when enable_audio_output is true)');
  if (!c.code2wav_config) throw invalid(source, 'code2wav_config', 'missing (required when enable_audio_output is true)');
  const t = c.talker_config;
  const text = decoderConfig(t.text_config, 'talker_config.text_config', source, t.tie_word_embeddings);
  // transformers replaces every talker layer's MLP by the sparse block, whatever mlp_only_layers/decoder_sparse_step say.
  const talker: TalkerConfig = {
    ...text,
    mlpOnlyLayers: [],
    decoderSparseStep: 1,
    thinkerHiddenSize: t.thinker_hidden_size,
    projectionSize: t.text_config.intermediate_size,
    numCodeGroups: t.num_code_groups,
  };
  const cp = t.code_predictor_config;
  const codePredictor = decoderConfig(cp, 'talker_config.code_predictor_config', source, false, 'default');
  const code2wav = parseCode2Wav(c.code2wav_config, source);
  // The code predictor's first input row is the talker's hidden state; Code2Wav consumes one code per group.
  if (codePredictor.hiddenSize !== talker.hiddenSize) {
    throw invalid(source, 'talker_config.code_predictor_config.hidden_size', `${codePredictor.hiddenSize} differs from the talker's ${talker.hiddenSize}`);
  }
  if (cp.num_code_groups !== talker.numCodeGroups) {
    throw invalid(source, 'talker_config.code_predictor_config.num_code_groups', `${cp.num_code_groups} differs from talker_config.num_code_groups ${talker.numCodeGroups}`);
  }
  if (code2wav.numQuantizers !== talker.numCodeGroups) {
    throw invalid(source, 'code2wav_config.num_quantizers', `${code2wav.numQuantizers} differs from talker_config.num_code_groups ${talker.numCodeGroups}`);
  }
  if (code2wav.codebookSize !== codePredictor.vocabSize || codePredictor.vocabSize > talker.vocabSize) {
    throw invalid(source, 'code2wav_config.codebook_size', `${code2wav.codebookSize}, code predictor vocab ${codePredictor.vocabSize} and talker vocab ${talker.vocabSize} do not describe one codebook`);
  }
  return { talker, codePredictor, code2wav };
}

export async function readSpeechConfig(checkpointDir: string): Promise<SpeechConfig | null> {
  const { json, file } = await readConfigJson(checkpointDir);
  return parseSpeechConfig(json, file);
}
