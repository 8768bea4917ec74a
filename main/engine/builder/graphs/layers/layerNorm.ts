/** HF `nn.LayerNorm` (weight and bias) as ONNX LayerNormalization over the last axis, in fp32. */
import { floatTensor } from '../../onnx/graph';
import { weightName, type LayerContext } from './context';

/** `name` is the node path, `source` the HF module (its `.weight` and `.bias` are read). */
export async function makeLayerNorm(ctx: LayerContext, name: string, input: string, source: string, size: number, epsilon: number): Promise<string> {
  const { g, weights } = ctx;
  const scale = await g.initializer(weightName(name, 'weight'), floatTensor(await weights.f32(`${source}.weight`, [size]), [size]));
  const bias = await g.initializer(weightName(name, 'bias'), floatTensor(await weights.f32(`${source}.bias`, [size]), [size]));
  return g.node('LayerNormalization', [input, scale, bias], { axis: -1, epsilon: { float: epsilon } }, { name: `${name}/LayerNorm` })[0];
}
