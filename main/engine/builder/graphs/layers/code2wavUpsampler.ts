/**
 * Code2Wav's convolutional half (qwen3-omni.md §10): transformer output `[B, T, H]` → channels-first → per upsampling
 * ratio a ConvTranspose + ConvNeXt block → causal conv to the decoder width → decoder blocks → SnakeBeta → causal
 * conv to one channel → clamp to [−1, 1] as `waveform [B, 1, N]`. Every convolution is causal, so a frame's samples
 * need only a few frames of left context here (code2wav.ts `exactLeftContext` without the transformer: 10).
 */
import type { Code2WavConfig } from '../../speechConfig';
import { DataType, floatTensor } from '../../onnx/graph';
import { BATCH, WAVEFORM_SAMPLES } from '../io';
import { makeCode2WavDecoderBlock } from './code2wavDecoderBlock';
import type { LayerContext } from './context';
import { makeCausalConv1d, makeCausalConvTranspose1d } from './conv';
import { makeConvNeXtBlock } from './convNeXt';
import { makeSnakeBeta } from './snakeBeta';

/** Emits the `waveform` output from `hidden` `[B, T, H]`. `ctx` must be fp32: Code2Wav is never quantised. */
export async function makeCode2WavUpsampler(ctx: LayerContext, config: Code2WavConfig, hidden: string): Promise<void> {
  const { g } = ctx;
  const H = config.hiddenSize;
  const source = 'code2wav';
  let [x] = g.node('Transpose', [hidden], { perm: [0, 2, 1] }, { name: '/model/pre_transformer/Transpose' });
  for (const [k, factor] of config.upsamplingRatios.entries()) {
    const name = `/model/upsample.${k}`;
    x = await makeCausalConvTranspose1d(ctx, `${name}/0`, `${source}.upsample.${k}.0.conv`, x, { in: H, out: H, kernel: factor, stride: factor });
    x = await makeConvNeXtBlock(ctx, `${name}/1`, `${source}.upsample.${k}.1`, H, x);
  }
  let channels = config.decoderDim;
  x = await makeCausalConv1d(ctx, '/model/decoder.0', `${source}.decoder.0.conv`, x, { in: H, out: channels, kernel: 7 });
  for (const [k, rate] of config.upsampleRates.entries()) {
    x = await makeCode2WavDecoderBlock(ctx, `/model/decoder.${k + 1}`, `${source}.decoder.${k + 1}`, channels, rate, x);
    channels /= 2;
  }
  const last = config.upsampleRates.length + 1;
  x = await makeSnakeBeta(ctx, `/model/decoder.${last}`, `${source}.decoder.${last}`, channels, x);
  x = await makeCausalConv1d(ctx, `/model/decoder.${last + 1}`, `${source}.decoder.${last + 1}.conv`, x, { in: channels, out: 1, kernel: 7 });
  g.node('Clip', [x, g.constant(floatTensor(Float32Array.of(-1), [])), g.constant(floatTensor(Float32Array.of(1), []))], {}, { name: '/model/Clip', outputs: ['waveform'] });
  g.output('waveform', DataType.FLOAT, [BATCH, 1, WAVEFORM_SAMPLES]);
}
