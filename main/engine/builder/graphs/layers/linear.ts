/**
 * An HF `nn.Linear`, `y = x·Wᵀ (+ b)` with W `[N = out, K = in]`: a MatMul on the transposed fp32 weight, or
 * MatMulNBits on quantised blocks along K with zero points (onnx-bundle.md §5.1) in the int4 variant; a bias is a
 * separate Add. Weights stream to the data file a slab at a time (columns of W for the transposed layout, rows for
 * the quantised one, quantised on the context's threads), so a [vocab, hidden] head costs a slab of memory (a few,
 * with quantisation workers), not its fp32 size twice.
 */
import { DataType, floatTensor, streamedFloatTensor } from '../../onnx/graph';
import { RowQuantiser, THIS_THREAD, type WeightBits } from '../../quantize';
import { weightName, type LayerContext } from './context';

/**
 * The int4 variant's few 8-bit matrices, as ORT-GenAI's `k_quant_mixed` (after llama.cpp's Q4_K_M) keeps them: the
 * output heads, whose every rounding error lands in the logits, and the attention value projections, which carry
 * each layer's whole attention output through one narrow matrix. Keyed by checkpoint name (a tied head reads the
 * embedding table). On the synthetic thinker of main/bench/int4.bench.ts they lift the logits cosine from 0.982 to
 * 0.992 and top-1 agreement from 55 to 63 %, for about 1 % more weight bytes on the real checkpoint.
 */
const EIGHT_BIT_WEIGHTS = /(^|\.)(lm_head|codec_head|embed_tokens|codec_embedding)\.weight$|\.self_attn\.v_proj\.weight$/;

/** What the manifest records of that choice. */
export const EIGHT_BIT_LINEARS = ['lm_head', 'codec_head', 'self_attn.v_proj'];

export const linearWeightBits = (source: string): WeightBits => (EIGHT_BIT_WEIGHTS.test(source) ? 8 : 4);

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
  const output = options.output ? [options.output] : undefined;
  // The product is the layer's output unless a bias is still to be added.
  const outputs = options.bias ? undefined : output;
  let product: string;
  if (precision.kind === 'int4' && !options.fp32) {
    const { blockSize, accuracyLevel } = precision;
    const bits = linearWeightBits(source);
    const { quantisers = THIS_THREAD } = ctx;
    const q = new RowQuantiser({ tensor: source, N, K, blockSize, format: { bits, symmetric: false } }, quantisers);
    const levels = { byteLength: q.packedBytes, chunks: q.packed(ctx.weights.rowSlabs(source, [N, K], quantisers.values, quantisers.slabBytes)) };
    const packed = await g.initializer(weightName(name, `weight_Q${bits}`), { dataType: DataType.UINT8, dims: [N, q.nBlocks, (blockSize * bits) / 8], bytes: levels });
    const scales = await g.initializer(weightName(name, 'weight_scales'), floatTensor(q.allScales, [N * q.nBlocks]));
    const zeroPoints = q.packedZeroPoints;
    const zp = await g.initializer(weightName(name, 'weight_zp'), { dataType: DataType.UINT8, dims: [zeroPoints.length], bytes: zeroPoints });
    const attributes = { K, N, bits, block_size: blockSize, accuracy_level: accuracyLevel };
    [product] = g.node('MatMulNBits', [input, packed, scales, zp], attributes, { name: `${name}/MatMulNBits`, domain: 'com.microsoft', outputs });
  } else {
    const w = await g.initializer(weightName(name, 'weight'), streamedFloatTensor(ctx.weights.columnSlabs(source, [N, K]), [K, N]));
    [product] = g.node('MatMul', [input, w], {}, { name: `${name}/MatMul`, outputs });
  }
  if (!options.bias) return product;
  const bias = await g.initializer(weightName(name, 'bias'), floatTensor(await ctx.weights.f32(options.bias, [N]), [N]));
  return g.node('Add', [product, bias], {}, { name: `${name}/Add`, outputs: output })[0];
}
