/**
 * The disk a bundle built from a checkpoint takes, from the checkpoint's tensor shapes alone, so the int4 bench can
 * refuse before hours of building rather than fail at the end. It follows the builder's precision choices:
 * - fp32: every weight 4 bytes wide, except the token embedding table, stored in the checkpoint's own dtype
 *   (graphs/embedTokens.ts);
 * - int4: the decoders' matrices — the thinker's and talker's `model.layers.*` (routers and the shared-expert gate
 *   stay fp32, layers/moe.ts) and the output heads — at the bits `linearWeightBits` gives, as MatMulNBits lays them
 *   out (packed blocks of 32 along K, an fp32 scale and a packed zero point per block); routed experts as QMoE's
 *   4-bit blocks of 128 with a scale each (one per row where 128 does not divide K); everything else as in fp32.
 * Every tensor is allowed one 64 KiB alignment gap per initializer it may become (onnx/externalData.ts), which
 * overcounts stacked experts: the estimate errs on the safe side.
 */
import { DATA_ALIGNMENT } from '../engine/builder/onnx/externalData';
import type { VariantName } from '../engine/builder/manifest';
import { linearWeightBits } from '../engine/builder/graphs/layers/linear';
import type { TensorInfo } from '../engine/builder/safetensors';

/** int4's MatMulNBits block along K (build.ts' default). */
const BLOCK = 32;
const DECODER_MATRIX = /^(thinker|talker)\.model\.layers\.\d+\./;
const FP32_IN_DECODER = /\.mlp\.gate\.weight$|\.shared_expert_gate\.weight$/;
const OUTPUT_HEADS = new Set(['thinker.lm_head.weight', 'talker.codec_head.weight']);
const ROUTED_EXPERT = /\.mlp\.experts\./;
/** QMoE's requested block (build.ts' default). */
const EXPERT_BLOCK = 128;

function isQuantised(tensor: Pick<TensorInfo, 'name' | 'shape'>): boolean {
  if (OUTPUT_HEADS.has(tensor.name)) return true;
  return tensor.shape.length >= 2 && DECODER_MATRIX.test(tensor.name) && !FP32_IN_DECODER.test(tensor.name);
}

/** `[…, N, K]` as rows of K. */
const rowsOf = (shape: readonly number[]) => ({ rows: shape.slice(0, -1).reduce((a, b) => a * b, 1), K: shape[shape.length - 1] });

/** Bytes of one matrix as MatMulNBits blocks: levels, fp32 scales and packed zero points. */
function matMulNBitsBytes(shape: readonly number[], bits: number): number {
  const { rows, K } = rowsOf(shape);
  const blocks = Math.ceil(K / BLOCK);
  return rows * (blocks * ((BLOCK * bits) / 8 + 4) + Math.ceil((blocks * bits) / 8));
}

/** Bytes of one expert matrix as QMoE stores it: 4-bit levels and an fp32 scale per block or per row. */
function qmoeBytes(shape: readonly number[]): number {
  const { rows, K } = rowsOf(shape);
  return rows * (K / 2 + 4 * (K % EXPERT_BLOCK === 0 ? K / EXPERT_BLOCK : 1));
}

const quantisedBytes = ({ name, shape }: Pick<TensorInfo, 'name' | 'shape'>) =>
  ROUTED_EXPERT.test(name) ? qmoeBytes(shape) : matMulNBitsBytes(shape, linearWeightBits(name));

/** Estimated bytes of the `variant` bundle of a checkpoint with these tensors (graph and tokenizer files aside). */
export function estimateBundleBytes(tensors: Iterable<Pick<TensorInfo, 'name' | 'shape' | 'byteLength'>>, variant: VariantName): number {
  let bytes = 0;
  for (const tensor of tensors) {
    if (tensor.name === 'thinker.model.embed_tokens.weight') bytes += tensor.byteLength + DATA_ALIGNMENT;
    else if (variant === 'int4' && isQuantised(tensor)) bytes += quantisedBytes(tensor) + 3 * DATA_ALIGNMENT;
    else bytes += tensor.shape.reduce((a, b) => a * b, 1) * 4 + DATA_ALIGNMENT;
  }
  return bytes;
}
