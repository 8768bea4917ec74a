/** Dense SwiGLU MLP `down(silu(gate(x)) ⊙ up(x))` (Qwen3 dense layers, the code predictor). */
import type { LayerContext } from './context';
import { makeLinear } from './linear';

/** `x·σ(x)`, as ORT-GenAI emits it (`name` is the activation's node path, e.g. `…/mlp/act_fn`). */
export function makeSilu(ctx: LayerContext, name: string, x: string): string {
  const [sigmoid] = ctx.g.node('Sigmoid', [x], {}, { name: `${name}/Sigmoid` });
  return ctx.g.node('Mul', [x, sigmoid], {}, { name: `${name}/Mul` })[0];
}

/** `name` is the node path (`/model/layers.{i}/mlp`), `source` the HF module (`….layers.{i}.mlp`). */
export async function makeMlp(ctx: LayerContext, name: string, source: string, hiddenSize: number, intermediateSize: number, input: string): Promise<string> {
  const { g } = ctx;
  const gate = await makeLinear(ctx, `${name}/gate_proj`, input, `${source}.gate_proj.weight`, intermediateSize, hiddenSize);
  const up = await makeLinear(ctx, `${name}/up_proj`, input, `${source}.up_proj.weight`, intermediateSize, hiddenSize);
  const [product] = g.node('Mul', [makeSilu(ctx, `${name}/act_fn`, gate), up], {}, { name: `${name}/Mul` });
  return makeLinear(ctx, `${name}/down_proj`, product, `${source}.down_proj.weight`, hiddenSize, intermediateSize);
}
