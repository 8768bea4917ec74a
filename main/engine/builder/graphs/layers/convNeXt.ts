/**
 * Code2Wav's ConvNeXt block (Qwen3OmniMoeConvNeXtBlock) on `[B, C, L]`: depthwise causal conv (k 7) → LayerNorm
 * (eps 1e-6, fixed in transformers) → Linear C→4C → GELU (erf) → Linear 4C→C → ×γ, added to the input. The norm and
 * the linears run channels-last, as in transformers.
 */
import { floatTensor } from '../../onnx/graph';
import { weightName, type LayerContext } from './context';
import { makeCausalConv1d } from './conv';
import { makeGelu } from './gelu';
import { makeLayerNorm } from './layerNorm';
import { makeLinear } from './linear';

const PERMUTE = [0, 2, 1];

/** `source` is the HF block, e.g. `code2wav.upsample.0.1`. */
export async function makeConvNeXtBlock(ctx: LayerContext, name: string, source: string, channels: number, input: string): Promise<string> {
  const { g } = ctx;
  const C = channels;
  const mixed = await makeCausalConv1d(ctx, `${name}/dwconv`, `${source}.dwconv.conv`, input, { in: C, out: C, kernel: 7 }, { groups: C });
  const [channelsLast] = g.node('Transpose', [mixed], { perm: PERMUTE }, { name: `${name}/Transpose` });
  const normed = await makeLayerNorm(ctx, `${name}/norm`, channelsLast, `${source}.norm`, C, 1e-6);
  const widened = await makeLinear(ctx, `${name}/pwconv1`, normed, `${source}.pwconv1.weight`, 4 * C, C, { bias: `${source}.pwconv1.bias` });
  const activated = makeGelu(ctx, `${name}/act`, widened, 'none');
  const narrowed = await makeLinear(ctx, `${name}/pwconv2`, activated, `${source}.pwconv2.weight`, C, 4 * C, { bias: `${source}.pwconv2.bias` });
  const gamma = await g.initializer(weightName(name, 'gamma'), floatTensor(await ctx.weights.f32(`${source}.gamma`, [C]), [C]));
  const [scaled] = g.node('Mul', [narrowed, gamma], {}, { name: `${name}/gamma/Mul` });
  const [channelsFirst] = g.node('Transpose', [scaled], { perm: PERMUTE }, { name: `${name}/Transpose_1` });
  return g.node('Add', [input, channelsFirst], {}, { name: `${name}/Add` })[0];
}
