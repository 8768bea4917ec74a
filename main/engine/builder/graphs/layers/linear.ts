/**
 * An HF `nn.Linear` without bias, `y = x·Wᵀ` with W `[N = out, K = in]`: a MatMul on the transposed fp32 weight, or
 * MatMulNBits on 4-bit blocks along K (onnx-bundle.md §5.1) in the int4 variant.
 */
import { DataType, floatTensor } from '../../onnx/graph';
import { quantizeInt4 } from '../../quantize';
import { weightName, type LayerContext } from './context';

export interface LinearOptions {
  /** Keep fp32 even in the int4 variant (e.g. the MoE router, whose top-k choice is sensitive and tiny). */
  fp32?: boolean;
  /** Name the output (a graph output) instead of `{node}/output_0`. */
  output?: string;
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
  const outputs = options.output ? [options.output] : undefined;
  if (precision.kind === 'int4' && !options.fp32) {
    const { blockSize, accuracyLevel } = precision;
    const q = quantizeInt4(weight, N, K, blockSize, 'matmulnbits');
    const packed = await g.initializer(weightName(name, 'weight_Q4'), { dataType: DataType.UINT8, dims: [N, q.nBlocks, blockSize / 2], bytes: q.packed });
    const scales = await g.initializer(weightName(name, 'weight_scales'), floatTensor(q.scales, [N * q.nBlocks]));
    return g.node('MatMulNBits', [input, packed, scales], { K, N, bits: 4, block_size: blockSize, accuracy_level: accuracyLevel }, { name: `${name}/MatMulNBits`, domain: 'com.microsoft', outputs })[0];
  }
  const transposed = new Float32Array(K * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) transposed[k * N + n] = weight[n * K + k];
  const w = await g.initializer(weightName(name, 'weight'), floatTensor(transposed, [K, N]));
  return g.node('MatMul', [input, w], {}, { name: `${name}/MatMul`, outputs })[0];
}
