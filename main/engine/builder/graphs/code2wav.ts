/**
 * Code2Wav (qwen3-omni.md §10) as one stateless graph, contract in onnx-bundle.md §2:
 *   codes [B,Q,T] int64 → waveform [B,1,N] float32, N = T·∏(upsampling)·∏(rates) − trim (1920·T − 555 for the
 *   checkpoint), clamped to [−1, 1].
 * The pre-transformer (layers/code2wavPreTransformer.ts, positions 0…T−1, no cache) then the convolutional upsampler
 * (layers/code2wavUpsampler.ts). Weights stay fp32 in every variant (onnx-bundle.md §1). Bundles also carry the same
 * network split in two for streaming (code2wavTransformer.ts, code2wavDecoder.ts); this graph is the one-pass decode
 * older bundles stream with, by re-decoding each window's whole left context (omni/code2wavStream.ts).
 */
import type { Code2WavConfig } from '../speechConfig';
import { DataType, int64Tensor } from '../onnx/graph';
import { makeCode2WavPreTransformer } from './layers/code2wavPreTransformer';
import { makeCode2WavUpsampler } from './layers/code2wavUpsampler';
import type { LayerContext } from './layers/context';
import { BATCH, CODEC_FRAMES } from './io';

/**
 * Samples out for `frames` codec frames: ×ratio per upsampling stage, then (L − 1)·rate per decoder block (its
 * trimmed transposed conv), i.e. 1920·T − 555 for the checkpoint.
 */
export function code2wavSamples(config: Code2WavConfig, frames: number): number {
  let length = frames * config.upsamplingRatios.reduce((a, b) => a * b, 1);
  for (const rate of config.upsampleRates) length = (length - 1) * rate;
  return length;
}

/**
 * `samplesPerFrame` (1920) and `lookaheadSamples` (555): samples = samplesPerFrame·T − lookaheadSamples. The missing
 * tail depends on the next frame, which is why a streaming host holds one frame back (§10).
 */
export function code2wavFraming(config: Code2WavConfig): { samplesPerFrame: number; lookaheadSamples: number } {
  const one = code2wavSamples(config, 1);
  const samplesPerFrame = code2wavSamples(config, 2) - one;
  return { samplesPerFrame, lookaheadSamples: samplesPerFrame - one };
}

export async function makeCode2Wav(ctx: LayerContext, config: Code2WavConfig): Promise<void> {
  const fp32: LayerContext = { ...ctx, precision: { kind: 'fp32' } };
  const { g } = fp32;
  const codes = g.input('codes', DataType.INT64, [BATCH, config.numQuantizers, CODEC_FRAMES]);
  // Every frame is valid and there is no cache: an all-ones mask of the frame count gives GQA its lengths.
  const [shape] = g.node('Shape', [codes], {}, { name: '/model/attn_mask/Shape' });
  const [frames] = g.node('Gather', [shape, g.constant(int64Tensor([2]))], { axis: 0 }, { name: '/model/attn_mask/Gather' });
  const [batch] = g.node('Gather', [shape, g.constant(int64Tensor([0]))], { axis: 0 }, { name: '/model/attn_mask/Gather_1' });
  const [maskShape] = g.node('Concat', [batch, frames], { axis: 0 }, { name: '/model/attn_mask/Concat' });
  const [attentionMask] = g.node('Expand', [g.constant(int64Tensor([1], [1, 1])), maskShape], {}, { name: '/model/attn_mask/Expand' });
  const hidden = await makeCode2WavPreTransformer(fp32, config, {
    codes,
    attentionMask,
    firstPosition: g.constant(int64Tensor([0], [])),
    kv: (layer) => {
      const name = `/model/pre_transformer/layers.${layer}/attn`;
      return { pastKey: '', pastValue: '', presentKey: `${name}/present_key`, presentValue: `${name}/present_value` };
    },
  });
  await makeCode2WavUpsampler(fp32, config, hidden);
}
