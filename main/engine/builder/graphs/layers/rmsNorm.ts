/**
 * RMSNorm `x·rsqrt(mean(x²)+eps)·w` in fp32 (what HF computes: it upcasts to fp32 anyway). Between decoder layers the
 * hidden state is kept as `residual + delta`, so the next norm fuses the residual add
 * (SkipSimplifiedLayerNormalization, whose 4th output is the sum) as ORT-GenAI does.
 */
import { floatTensor } from '../../onnx/graph';
import { weightName, type LayerContext } from './context';

/** A residual add not yet performed: `residual + delta`. */
export type PendingResidual = { residual: string; delta: string };
/** The hidden state: one tensor, or a pending residual add. */
export type HiddenState = { hidden: string } | PendingResidual;

export async function makeRmsNorm(
  ctx: LayerContext,
  name: string,
  state: HiddenState,
  source: string,
  size: number,
  epsilon: number,
): Promise<{ normed: string; sum: string }> {
  const { g } = ctx;
  const weight = await g.initializer(weightName(name, 'weight'), floatTensor(await ctx.weights.f32(source, [size]), [size]));
  if ('hidden' in state) {
    // Default domain: com.microsoft has no SimplifiedLayerNormalization kernel (onnx-bundle.md §6).
    const [normed] = g.node('SimplifiedLayerNormalization', [state.hidden, weight], { axis: -1, epsilon: { float: epsilon } }, { name: `${name}/SimplifiedLayerNorm` });
    return { normed, sum: state.hidden };
  }
  const node = `${name}/SkipLayerNorm`;
  const [normed, , , sum] = g.node('SkipSimplifiedLayerNormalization', [state.residual, state.delta, weight], { epsilon: { float: epsilon } }, {
    name: node,
    domain: 'com.microsoft',
    outputs: [`${node}/output_0`, '', '', `${node}/output_3`],
  });
  return { normed, sum };
}

/** Performs the pending residual add (needed where the hidden state itself is observed). */
export function materialize(ctx: LayerContext, name: string, state: PendingResidual, output?: string): string {
  return ctx.g.node('Add', [state.residual, state.delta], {}, { name: `${name}/Add`, outputs: output ? [output] : undefined })[0];
}
