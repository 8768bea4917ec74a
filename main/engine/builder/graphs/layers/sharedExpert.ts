/**
 * The talker's always-on expert (Qwen3OmniMoeTalkerTextSparseMoeBlock): a dense SwiGLU MLP scaled per token by
 * `sigmoid(x·wᵀ)`, a learnt scalar gate. ORT's MoE/QMoE ops have no such input, so it runs beside them and is added
 * to their output (onnx-bundle.md §5.2).
 */
import type { LayerContext } from './context';
import { makeLinear } from './linear';
import { makeMlp } from './mlp';

/** `name` is the MoE node path (`/model/layers.{i}/moe`), `source` the HF module (`….layers.{i}.mlp`); `input` [B,S,H]. */
export async function makeSharedExpert(ctx: LayerContext, name: string, source: string, hiddenSize: number, intermediateSize: number, input: string): Promise<string> {
  const { g } = ctx;
  const expert = await makeMlp(ctx, `${name}/shared_expert`, `${source}.shared_expert`, hiddenSize, intermediateSize, input);
  // One output column: kept fp32 like the router (quantising it would save nothing).
  const gate = await makeLinear(ctx, `${name}/shared_expert_gate`, input, `${source}.shared_expert_gate.weight`, 1, hiddenSize, { fp32: true });
  const [weight] = g.node('Sigmoid', [gate], {}, { name: `${name}/shared_expert_gate/Sigmoid` });
  return g.node('Mul', [expert, weight], {}, { name: `${name}/shared_expert_gate/Mul` })[0];
}
