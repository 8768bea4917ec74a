/** Dense SwiGLU MLP `down(silu(gate(x)) ⊙ up(x))` (Qwen3 dense layers, the code predictor). */
import type { LayerContext } from './context';
import { makeLinear } from './linear';

/** `name` is the node path (`/model/layers.{i}/mlp`), `source` the HF module (`….layers.{i}.mlp`). */
export async function makeMlp(ctx: LayerContext, name: string, source: string, hiddenSize: number, intermediateSize: number, input: string): Promise<string> {
  const { g } = ctx;
  const gate = await makeLinear(ctx, `${name}/gate_proj`, input, `${source}.gate_proj.weight`, intermediateSize, hiddenSize);
  const up = await makeLinear(ctx, `${name}/up_proj`, input, `${source}.up_proj.weight`, intermediateSize, hiddenSize);
  const [sigmoid] = g.node('Sigmoid', [gate], {}, { name: `${name}/act_fn/Sigmoid` });
  const [silu] = g.node('Mul', [gate, sigmoid], {}, { name: `${name}/act_fn/Mul` });
  const [product] = g.node('Mul', [silu, up], {}, { name: `${name}/Mul` });
  return makeLinear(ctx, `${name}/down_proj`, product, `${source}.down_proj.weight`, hiddenSize, intermediateSize);
}
