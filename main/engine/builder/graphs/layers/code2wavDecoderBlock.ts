/**
 * One Code2Wav decoder block (Qwen3OmniMoeCode2WavDecoderBlock) on `[B, C, L]`: SnakeBeta → trimmed
 * ConvTranspose1d (k 2r, stride r: C → C/2 channels, (L − 1)·r samples) → three residual units with dilations 1, 3, 9
 * (SnakeBeta → causal conv k 7 → SnakeBeta → conv k 1, plus the input).
 */
import type { LayerContext } from './context';
import { makeCausalConv1d, makeCausalConvTranspose1d } from './conv';
import { makeSnakeBeta } from './snakeBeta';

const DILATIONS = [1, 3, 9];

/** `source` is `code2wav.decoder.{i}`; `channels` the block's input width; `rate` its upsampling factor. */
export async function makeCode2WavDecoderBlock(ctx: LayerContext, name: string, source: string, channels: number, rate: number, input: string): Promise<string> {
  const { g } = ctx;
  const out = channels / 2;
  const activated = await makeSnakeBeta(ctx, `${name}/block.0`, `${source}.block.0`, channels, input);
  let hidden = await makeCausalConvTranspose1d(ctx, `${name}/block.1`, `${source}.block.1.conv`, activated, { in: channels, out, kernel: 2 * rate, stride: rate });
  for (const [k, dilation] of DILATIONS.entries()) {
    const unit = `${name}/block.${k + 2}`;
    const from = `${source}.block.${k + 2}`;
    const a1 = await makeSnakeBeta(ctx, `${unit}/act1`, `${from}.act1`, out, hidden);
    const c1 = await makeCausalConv1d(ctx, `${unit}/conv1`, `${from}.conv1.conv`, a1, { in: out, out, kernel: 7 }, { dilation });
    const a2 = await makeSnakeBeta(ctx, `${unit}/act2`, `${from}.act2`, out, c1);
    const c2 = await makeCausalConv1d(ctx, `${unit}/conv2`, `${from}.conv2.conv`, a2, { in: out, out, kernel: 1 });
    [hidden] = g.node('Add', [c2, hidden], {}, { name: `${unit}/Add` });
  }
  return hidden;
}
