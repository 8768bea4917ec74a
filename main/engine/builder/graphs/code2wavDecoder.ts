/**
 * Code2Wav's convolutional upsampler as a streaming graph (qwen3-omni.md §10):
 *   hidden [B,T,H] float32 (code2wavTransformer.ts's output for T consecutive frames)
 *   → waveform [B,1,N], N = 1920·T − 555 for the checkpoint (`code2wavSamples`), clamped to [−1, 1].
 * Stateless: every convolution is causal, so the host runs it over a chunk's frames plus the few frames of left
 * context the convolutions reach (omni/code2wav.ts `exactLeftContext` without the transformer: 10) and the one
 * frame of look-ahead, and keeps the chunk's samples.
 */
import type { Code2WavConfig } from '../speechConfig';
import { DataType } from '../onnx/graph';
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

export async function makeCode2WavDecoder(ctx: LayerContext, config: Code2WavConfig): Promise<void> {
  const fp32: LayerContext = { ...ctx, precision: { kind: 'fp32' } };
  const hidden = fp32.g.input('hidden', DataType.FLOAT, [BATCH, CODEC_FRAMES, config.hiddenSize]);
  await makeCode2WavUpsampler(fp32, config, hidden);
}
