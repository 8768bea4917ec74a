/**
 * Code2Wav's pre-transformer as a streaming graph (qwen3-omni.md §10), so a stream feeds each codec frame through the
 * eight sliding-window layers once instead of re-running hundreds of frames of left context per window:
 *   codes [B,Q,S] int64 (the new frames), attention_mask [B,P+S] int64 (ones), first_position [] int64 (frames
 *   before these), past_key_values.{i}.key/value [B,kvH,P,D]
 *   → hidden [B,S,H] (normed transformer output: code2wavDecoder.ts's input), present.{i}.key/value [B,kvH,P',D].
 * A query sees itself and the `slidingWindow − 1` frames before it, so the presents keep only the last
 * `slidingWindow − 1` positions (P' = min(P + S, window − 1)): the cache, and each run's cost, stay constant however
 * long the utterance. Positions are absolute, as in the one-pass graph, so the rotary angles are the same numbers.
 */
import type { Code2WavConfig } from '../speechConfig';
import { DataType, int64Tensor } from '../onnx/graph';
import { makeCode2WavPreTransformer } from './layers/code2wavPreTransformer';
import type { LayerContext } from './layers/context';
import { BATCH, CODEC_FRAMES, PAST_SEQUENCE, pastName, presentName, TOTAL_SEQUENCE } from './io';

/** The dimension of a present: what the window keeps. */
const CACHED_FRAMES = 'cached_frames';

/** Positions a layer's cache keeps between runs. */
export const code2wavCachedFrames = (config: Pick<Code2WavConfig, 'slidingWindow'>) => config.slidingWindow - 1;

export async function makeCode2WavTransformer(ctx: LayerContext, config: Code2WavConfig): Promise<void> {
  const fp32: LayerContext = { ...ctx, precision: { kind: 'fp32' } };
  const { g } = fp32;
  const { numKvHeads, headDim: D, hiddenSize: H } = config;
  const codes = g.input('codes', DataType.INT64, [BATCH, config.numQuantizers, CODEC_FRAMES]);
  const attentionMask = g.input('attention_mask', DataType.INT64, [BATCH, TOTAL_SEQUENCE]);
  const firstPosition = g.input('first_position', DataType.INT64, []);
  const kept = code2wavCachedFrames(config);
  const keepLast = (full: string, present: string) => {
    // A negative start counts from the end and clamps at 0 while fewer positions exist; nothing is kept for window 1.
    const start = kept === 0 ? Number.MAX_SAFE_INTEGER : -kept;
    const bounds = [int64Tensor([start]), int64Tensor([Number.MAX_SAFE_INTEGER]), int64Tensor([2])].map((t) => g.constant(t));
    g.node('Slice', [full, ...bounds], {}, { name: `${full}/Slice`, outputs: [present] });
    g.output(present, DataType.FLOAT, [BATCH, numKvHeads, CACHED_FRAMES, D]);
  };
  const hidden = await makeCode2WavPreTransformer(fp32, config, {
    codes,
    attentionMask,
    firstPosition,
    kv: (layer) => {
      const kv = { pastKey: pastName(layer, 'key'), pastValue: pastName(layer, 'value'), presentKey: `/model/pre_transformer/layers.${layer}/attn/present_key`, presentValue: `/model/pre_transformer/layers.${layer}/attn/present_value` };
      for (const past of [kv.pastKey, kv.pastValue]) g.input(past, DataType.FLOAT, [BATCH, numKvHeads, PAST_SEQUENCE, D]);
      keepLast(kv.presentKey, presentName(layer, 'key'));
      keepLast(kv.presentValue, presentName(layer, 'value'));
      return kv;
    },
  });
  g.node('Identity', [hidden], {}, { name: '/model/pre_transformer/hidden/Identity', outputs: ['hidden'] });
  g.output('hidden', DataType.FLOAT, [BATCH, CODEC_FRAMES, H]);
}
