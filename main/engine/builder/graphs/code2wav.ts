/**
 * Code2Wav (qwen3-omni.md §10) as one stateless graph:
 *   codes [B,Q,T] int64 → waveform [B,1,N] float32, N = 1920·T − 555 for the checkpoint (code2wavDecoder.ts
 *   `code2wavSamples`), clamped to [−1, 1].
 * The pre-transformer (layers/code2wavPreTransformer.ts, positions 0…T−1, no cache) then the convolutional upsampler
 * (layers/code2wavUpsampler.ts), fp32 whatever the variant. Builder 1 put this graph in every bundle; from builder 2
 * bundles carry only the same network split in two for streaming (code2wavTransformer.ts, code2wavDecoder.ts). It
 * stays as the one-pass decode that streamed output is proven against, and as the graph of those older bundles,
 * which stream by re-decoding each window's whole left context (omni/code2wavWindows.ts): tests and the speech
 * bench build it (testing/olderBundles.ts).
 */
import type { Code2WavConfig } from '../speechConfig';
import { DataType, int64Tensor } from '../onnx/graph';
import { makeCode2WavPreTransformer } from './layers/code2wavPreTransformer';
import { makeCode2WavUpsampler } from './layers/code2wavUpsampler';
import type { LayerContext } from './layers/context';
import { BATCH, CODEC_FRAMES } from './io';

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
