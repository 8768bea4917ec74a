/**
 * Code2Wav (qwen3-omni.md §10) as one stateless graph, contract in onnx-bundle.md §2:
 *   codes [B,Q,T] int64 → waveform [B,1,N] float32, N = T·∏(upsampling)·∏(rates) − trim (1920·T − 555 for the
 *   checkpoint), clamped to [−1, 1].
 * Embedding (row code + q·codebook, **mean** over the Q groups) → sliding-window pre-transformer (positions 0…T−1,
 * RoPE computed here) → final RMSNorm → channels-first → per upsampling ratio a ConvTranspose + ConvNeXt block →
 * causal conv to the decoder width → decoder blocks → SnakeBeta → causal conv to one channel → clamp. Weights stay
 * fp32 in every variant (onnx-bundle.md §1). The host handles left context, hold-back and trimming when streaming.
 */
import type { Code2WavConfig } from '../speechConfig';
import { DataType, floatTensor, int64Tensor } from '../onnx/graph';
import { makeAttentionShared } from './layers/attention';
import { makeCode2WavDecoderBlock } from './layers/code2wavDecoderBlock';
import { makeCode2WavLayer } from './layers/code2wavLayer';
import type { LayerContext } from './layers/context';
import { makeCausalConv1d, makeCausalConvTranspose1d } from './layers/conv';
import { makeConvNeXtBlock } from './layers/convNeXt';
import { makeRmsNorm, type HiddenState } from './layers/rmsNorm';
import { makeRotaryTables } from './layers/rotary';
import { makeSnakeBeta } from './layers/snakeBeta';
import { gatherRows, tableDataType } from './embedTokens';
import { BATCH, CODEC_FRAMES, WAVEFORM_SAMPLES } from './io';

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
  const { hiddenSize: H, numQuantizers: Q, codebookSize } = config;
  const source = 'code2wav';
  const codes = g.input('codes', DataType.INT64, [BATCH, Q, CODEC_FRAMES]);

  const embedding = `${source}.code_embedding.weight`;
  const { info, bytes } = await fp32.weights.bytes(embedding, [Q * codebookSize, H]);
  const dataType = tableDataType(embedding, info.dtype);
  const table = await g.initializer('model.code_embedding.weight', { dataType, dims: [Q * codebookSize, H], bytes });
  const offsets = g.constant(int64Tensor(Array.from({ length: Q }, (_, q) => q * codebookSize), [1, Q, 1]));
  const [index] = g.node('Add', [codes, offsets], {}, { name: '/model/code_embedding/Add' });
  const rows = gatherRows(fp32, '/model/code_embedding', table, dataType, index);
  const [embeds] = g.node('ReduceMean', [rows, g.constant(int64Tensor([1]))], { keepdims: 0 }, { name: '/model/code_embedding/ReduceMean' });

  // Every frame is valid and there is no cache: an all-ones mask of the frame count gives GQA its lengths.
  const [frames] = g.node('Shape', [embeds], { start: 0, end: 2 }, { name: '/model/attn_mask/Shape' });
  const [mask] = g.node('Expand', [g.constant(int64Tensor([1], [1, 1])), frames], {}, { name: '/model/attn_mask/Expand' });
  const { cos, sin } = makeRotaryTables(fp32, embeds, g.constant(int64Tensor([0], [])), config.headDim, config.ropeTheta);
  const shared = makeAttentionShared(fp32, mask, cos, sin, config.headDim);
  let state: HiddenState = { hidden: embeds };
  for (let layer = 0; layer < config.numLayers; layer++) state = await makeCode2WavLayer(fp32, layer, config, state, shared);
  const { normed } = await makeRmsNorm(fp32, '/model/pre_transformer/norm', state, `${source}.pre_transformer.norm.weight`, H, config.rmsNormEps);

  let [hidden] = g.node('Transpose', [normed], { perm: [0, 2, 1] }, { name: '/model/pre_transformer/Transpose' });
  for (const [k, factor] of config.upsamplingRatios.entries()) {
    const name = `/model/upsample.${k}`;
    hidden = await makeCausalConvTranspose1d(fp32, `${name}/0`, `${source}.upsample.${k}.0.conv`, hidden, { in: H, out: H, kernel: factor, stride: factor });
    hidden = await makeConvNeXtBlock(fp32, `${name}/1`, `${source}.upsample.${k}.1`, H, hidden);
  }
  let channels = config.decoderDim;
  hidden = await makeCausalConv1d(fp32, '/model/decoder.0', `${source}.decoder.0.conv`, hidden, { in: H, out: channels, kernel: 7 });
  for (const [k, rate] of config.upsampleRates.entries()) {
    hidden = await makeCode2WavDecoderBlock(fp32, `/model/decoder.${k + 1}`, `${source}.decoder.${k + 1}`, channels, rate, hidden);
    channels /= 2;
  }
  const last = config.upsampleRates.length + 1;
  hidden = await makeSnakeBeta(fp32, `/model/decoder.${last}`, `${source}.decoder.${last}`, channels, hidden);
  hidden = await makeCausalConv1d(fp32, `/model/decoder.${last + 1}`, `${source}.decoder.${last + 1}.conv`, hidden, { in: channels, out: 1, kernel: 7 });
  g.node('Clip', [hidden, g.constant(floatTensor(Float32Array.of(-1), [])), g.constant(floatTensor(Float32Array.of(1), []))], {}, { name: '/model/Clip', outputs: ['waveform'] });
  g.output('waveform', DataType.FLOAT, [BATCH, 1, WAVEFORM_SAMPLES]);
}
