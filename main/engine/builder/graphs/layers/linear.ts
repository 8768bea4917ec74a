/**
 * An HF `nn.Linear`, `y = x·Wᵀ (+ b)` with W `[N = out, K = in]`: a MatMul on the transposed fp32 weight, or
 * MatMulNBits on 4-bit blocks along K (onnx-bundle.md §5.1) in the int4 variant; a bias is a separate Add.
 */
import { DataType, floatTensor } from '../../onnx/graph';
import { quantizeInt4 } from '../../quantize';
import { weightName, type LayerContext } from './context';

export interface LinearOptions {
  /** Keep fp32 even in the int4 variant (e.g. the MoE router, whose top-k choice is sensitive and tiny). */
  fp32?: boolean;
  /** Name the output (a graph output) instead of `{node}/output_0`. */
  output?: string;
  /** Checkpoint name of the bias `[N]`, if the layer has one. */
  bias?: string;
}

export async function makeLinear(
  ctx: LayerContext,
  name: string,
  input: string,
  source: string,
  N: number,
  K: number,
  options: LinearOptions = {},
): Promise<string> {
  const { g, precision } = ctx;
  const weight = await ctx.weights.f32(source, [N, K]);
  const output = options.output ? [options.output] : undefined;
  // The product is the layer's output unless a bias is still to be added.
  const outputs = options.bias ? undefined : output;
  let product: string;
  if (precision.kind === 'int4' && !options.fp32) {
    const { blockSize, accuracyLevel } = precision;
    const q = quantizeInt4(weight, N, K, blockSize, 'matmulnbits');
    const packed = await g.initializer(weightName(name, 'weight_Q4'), { dataType: DataType.UINT8, dims: [N, q.nBlocks, blockSize / 2], bytes: q.packed });
    const scales = await g.initializer(weightName(name, 'weight_scales'), floatTensor(q.scales, [N * q.nBlocks]));
    [product] = g.node('MatMulNBits', [input, packed, scales], { K, N, bits: 4, block_size: blockSize, accuracy_level: accuracyLevel }, { name: `${name}/MatMulNBits`, domain: 'com.microsoft', outputs });
  } else {
    const transposed = new Float32Array(K * N);
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) transposed[k * N + n] = weight[n * K + k];
    const w = await g.initializer(weightName(name, 'weight'), floatTensor(transposed, [K, N]));
    [product] = g.node('MatMul', [input, w], {}, { name: `${name}/MatMul`, outputs });
  }
  if (!options.bias) return product;
  const bias = await g.initializer(weightName(name, 'bias'), floatTensor(await ctx.weights.f32(options.bias, [N]), [N]));
  return g.node('Add', [product, bias], {}, { name: `${name}/Add`, outputs: output })[0];
}
