/**
 * SnakeBeta (Qwen3OmniMoeSnakeBeta) on `[B, C, L]`: `x + sin²(x·e^α) / (e^β + 1e-9)` with per-channel log-scale α, β.
 * The checkpoint's α and β are stored as they are and exponentiated in the graph (ORT folds those constants), so
 * the arithmetic is transformers' own.
 */
import { floatTensor } from '../../onnx/graph';
import { weightName, type LayerContext } from './context';

/** `source` is the HF module holding `alpha` and `beta` `[C]`. */
export async function makeSnakeBeta(ctx: LayerContext, name: string, source: string, channels: number, input: string): Promise<string> {
  const { g } = ctx;
  // [C, 1] so they broadcast over [B, C, L].
  const parameter = async (which: 'alpha' | 'beta') =>
    g.initializer(weightName(name, which), floatTensor(await ctx.weights.f32(`${source}.${which}`, [channels]), [channels, 1]));
  const [alpha] = g.node('Exp', [await parameter('alpha')], {}, { name: `${name}/alpha/Exp` });
  const [beta] = g.node('Exp', [await parameter('beta')], {}, { name: `${name}/beta/Exp` });
  const [guarded] = g.node('Add', [beta, g.constant(floatTensor(Float32Array.of(1e-9), []))], {}, { name: `${name}/beta/Add` });
  const [inverse] = g.node('Reciprocal', [guarded], {}, { name: `${name}/beta/Reciprocal` });
  const [scaled] = g.node('Mul', [input, alpha], {}, { name: `${name}/Mul` });
  const [sine] = g.node('Sin', [scaled], {}, { name: `${name}/Sin` });
  const [squared] = g.node('Mul', [sine, sine], {}, { name: `${name}/Mul_1` });
  const [term] = g.node('Mul', [inverse, squared], {}, { name: `${name}/Mul_2` });
  return g.node('Add', [input, term], {}, { name: `${name}/Add` })[0];
}
