/**
 * The graphs a bundle holds, in the order the build writes them, each with the checkpoint tensors it reads. Reading
 * and converting weights is nearly all of a build's work, so those bytes, graph by graph, are its progress
 * (progress.ts): the plan must name exactly what each graph's maker reads, which graphPlan.test.ts checks tensor by
 * tensor. Speech graphs only for checkpoints with speech output; Code2Wav only as the split pair the runtime streams
 * with (the one-pass graph of builder 1 would read the same weights a second time).
 */
import type { OmniConfig } from './config';
import type { EncoderConfigs } from './encoderConfig';
import { makeAudioEncoder } from './graphs/audioEncoder';
import { makeCode2WavDecoder } from './graphs/code2wavDecoder';
import { makeCode2WavTransformer } from './graphs/code2wavTransformer';
import { makeCodecEmbed } from './graphs/codecEmbed';
import { makeCodePredictor } from './graphs/codePredictor';
import { makeEmbedTokens } from './graphs/embedTokens';
import type { LayerContext } from './graphs/layers/context';
import { makeTalker } from './graphs/talkerDecoder';
import { makeTalkerProjection } from './graphs/talkerProjection';
import { makeThinker } from './graphs/thinkerDecoder';
import { makeVisionEncoder } from './graphs/visionEncoder';
import type { TensorInfo } from './safetensors';
import type { SpeechConfig } from './speechConfig';

export interface PlannedGraph {
  name: string;
  /** Name prefixes of the checkpoint tensors the graph reads. */
  reads: string[];
  /**
   * The encoders keep fp32 weights in every variant (onnx-bundle.md §1). talker_proj, codec_embed, code_predictor
   * and Code2Wav do too, but say so themselves.
   */
  fp32Weights?: true;
  make: (ctx: LayerContext) => Promise<void>;
}

export function planGraphs(config: OmniConfig, encoders: EncoderConfigs, speech: SpeechConfig | null): PlannedGraph[] {
  const t = config.thinker;
  const graphs: PlannedGraph[] = [
    { name: 'embed_tokens', reads: ['thinker.model.embed_tokens.'], make: (ctx) => makeEmbedTokens(ctx, 'thinker.model.embed_tokens.weight', t.vocabSize, t.hiddenSize) },
    { name: 'audio_encoder', reads: ['thinker.audio_tower.'], fp32Weights: true, make: (ctx) => makeAudioEncoder(ctx, encoders.audio) },
    { name: 'vision_encoder', reads: ['thinker.visual.'], fp32Weights: true, make: (ctx) => makeVisionEncoder(ctx, encoders.vision) },
    {
      name: 'thinker',
      // A tied head reads the embedding table again.
      reads: ['thinker.model.layers.', 'thinker.model.norm.', t.tieWordEmbeddings ? 'thinker.model.embed_tokens.' : 'thinker.lm_head.'],
      make: (ctx) => makeThinker(ctx, t),
    },
  ];
  if (!speech) return graphs;
  const { talker, codePredictor, code2wav } = speech;
  const codePredictorSource = 'talker.code_predictor.';
  return [
    ...graphs,
    { name: 'talker_proj', reads: ['talker.text_projection.', 'talker.hidden_projection.'], make: (ctx) => makeTalkerProjection(ctx, talker) },
    {
      name: 'talker',
      reads: ['talker.model.layers.', 'talker.model.norm.', talker.tieWordEmbeddings ? 'talker.model.codec_embedding.' : 'talker.codec_head.'],
      make: (ctx) => makeTalker(ctx, talker),
    },
    { name: 'codec_embed', reads: ['talker.model.codec_embedding.', `${codePredictorSource}model.codec_embedding.`], make: (ctx) => makeCodecEmbed(ctx, speech) },
    {
      name: 'code_predictor',
      reads: [`${codePredictorSource}model.layers.`, `${codePredictorSource}model.norm.`, `${codePredictorSource}lm_head.`],
      make: (ctx) => makeCodePredictor(ctx, codePredictor, talker.numCodeGroups),
    },
    { name: 'code2wav_transformer', reads: ['code2wav.code_embedding.', 'code2wav.pre_transformer.'], make: (ctx) => makeCode2WavTransformer(ctx, code2wav) },
    { name: 'code2wav_decoder', reads: ['code2wav.upsample.', 'code2wav.decoder.'], make: (ctx) => makeCode2WavDecoder(ctx, code2wav) },
  ];
}

/** The checkpoint tensors a planned graph reads. */
export function plannedTensors(graph: Pick<PlannedGraph, 'reads'>, tensors: Iterable<TensorInfo>): TensorInfo[] {
  return [...tensors].filter((tensor) => graph.reads.some((prefix) => tensor.name.startsWith(prefix)));
}
