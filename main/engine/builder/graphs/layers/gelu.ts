/**
 * GELU as the ONNX (opset 20) `Gelu` op: `approximate: 'none'` is transformers' exact erf form (`gelu`, `nn.GELU()`,
 * `F.gelu`), `'tanh'` its `gelu_pytorch_tanh`.
 */
import type { GeluApproximation } from '../../encoderConfig';
import type { LayerContext } from './context';

export function makeGelu(ctx: LayerContext, name: string, input: string, approximate: GeluApproximation): string {
  return ctx.g.node('Gelu', [input], approximate === 'tanh' ? { approximate: 'tanh' } : {}, { name: `${name}/Gelu` })[0];
}
