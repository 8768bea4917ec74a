/**
 * Code2Wav's convolutional upsampler as a streaming graph (qwen3-omni.md §10):
 *   hidden [B,T,H] float32 (code2wavTransformer.ts's output for T consecutive frames)
 *   → waveform [B,1,N], N = 1920·T − 555 for the checkpoint, clamped to [−1, 1].
 * Stateless: every convolution is causal, so the host runs it over a chunk's frames plus the few frames of left
 * context the convolutions reach (omni/code2wav.ts `exactLeftContext` without the transformer: 10) and the one
 * frame of look-ahead, and keeps the chunk's samples.
 */
import type { Code2WavConfig } from '../speechConfig';
import { DataType } from '../onnx/graph';
import { makeCode2WavUpsampler } from './layers/code2wavUpsampler';
import type { LayerContext } from './layers/context';
import { BATCH, CODEC_FRAMES } from './io';

export async function makeCode2WavDecoder(ctx: LayerContext, config: Code2WavConfig): Promise<void> {
  const fp32: LayerContext = { ...ctx, precision: { kind: 'fp32' } };
  const hidden = fp32.g.input('hidden', DataType.FLOAT, [BATCH, CODEC_FRAMES, config.hiddenSize]);
  await makeCode2WavUpsampler(fp32, config, hidden);
}
