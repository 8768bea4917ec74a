/**
 * Expert stacking for ORT's MoE/QMoE: HF experts (per-expert `gate_proj`/`up_proj` [I,H] and `down_proj` [H,I] on
 * disk, or transformers 5's fused `gate_up_proj` [E,2I,H] with the gate rows first and `down_proj` [E,H,I]) become
 * fc1 [E,2I,H] with gate and up rows interleaved (g0,u0,g1,u1,… — what `swiglu_fusion=1` reads: gate at even rows)
 * and fc2 [E,H,I]. Both stacks are `[E, out, in]`; the transposed layout also runs in ORT but computes garbage
 * (onnx-bundle.md §5.2). Experts are read one at a time and stack by stack — fc1 of every expert, then fc2, the order
 * the data file stores them in — so neither variant ever holds more than one expert's matrix in fp32.
 */
import type { MoeConfig } from './config';
import type { QuantisationFormat } from './quantize';
import { storedF32, widen, type StoredFloats } from './safetensors';
import type { RowValues, WeightReader } from './weights';

/** Which stack: fc1 [E, 2I, H] (gate/up interleaved rows) or fc2 [E, H, I]. */
export type ExpertStack = 'fc1' | 'fc2';

/** Rows of gate and up, [I, in] each, as one matrix [2I, in] with gate at even rows: row bytes moved, not widened. */
function interleave(gate: StoredFloats, up: StoredFloats, I: number): StoredFloats {
  // Two tensors of one checkpoint in different float types: met in the type both widen to.
  if (gate.dtype !== up.dtype) return interleave(storedF32(widen(gate)), storedF32(widen(up)), I);
  const rowBytes = gate.bytes.byteLength / I;
  const bytes = new Uint8Array(2 * I * rowBytes);
  for (let i = 0; i < I; i++) {
    bytes.set(gate.bytes.subarray(i * rowBytes, (i + 1) * rowBytes), 2 * i * rowBytes);
    bytes.set(up.bytes.subarray(i * rowBytes, (i + 1) * rowBytes), (2 * i + 1) * rowBytes);
  }
  return { dtype: gate.dtype, bytes };
}

/** The `[out, in]` shape of one expert's matrix in `stack`. */
export function expertShape(stack: ExpertStack, moe: MoeConfig, H: number): [number, number] {
  return stack === 'fc1' ? [2 * moe.intermediateSize, H] : [H, moe.intermediateSize];
}

/**
 * Each expert's matrix of `stack`, expert by expert: the stack `[E, out, in]` as blocks of rows, read as `values`
 * says (the fp32 variant's `fp32`, the quantising threads' choice in int4). `prefix` is the experts module, e.g.
 * `thinker.model.layers.3.mlp.experts`.
 */
export async function* readExperts(weights: WeightReader, prefix: string, moe: MoeConfig, H: number, stack: ExpertStack, values: RowValues): AsyncGenerator<StoredFloats> {
  const { numExperts: E, intermediateSize: I } = moe;
  const rows = (name: string, shape: number[], start: number, count: number) => weights.matrixRows(name, shape, start, count, values);
  const matrix = (name: string, shape: number[]) => rows(name, shape, 0, shape[0]);
  const fused = weights.has(`${prefix}.gate_up_proj`);
  for (let e = 0; e < E; e++) {
    if (stack === 'fc2') {
      yield await (fused ? rows(`${prefix}.down_proj`, [E, H, I], e, 1) : matrix(`${prefix}.${e}.down_proj.weight`, [H, I]));
    } else if (fused) {
      const gateUp = await rows(`${prefix}.gate_up_proj`, [E, 2 * I, H], e, 1);
      const half = gateUp.bytes.byteLength / 2;
      yield interleave({ dtype: gateUp.dtype, bytes: gateUp.bytes.subarray(0, half) }, { dtype: gateUp.dtype, bytes: gateUp.bytes.subarray(half) }, I);
    } else {
      yield interleave(await matrix(`${prefix}.${e}.gate_proj.weight`, [I, H]), await matrix(`${prefix}.${e}.up_proj.weight`, [I, H]), I);
    }
  }
}

/**
 * The QMoE block size: the requested one when it divides both fc1's K (= H) and fc2's K (= I) — CPU QMoE needs
 * whole blocks and block_size ≥ 16 — else 0, meaning one scale per output row (no block_size attribute).
 */
export function qmoeBlockSize(requested: number, H: number, I: number): number {
  return requested >= 16 && H % requested === 0 && I % requested === 0 ? requested : 0;
}

/**
 * Experts are symmetric (zero point 8, no zero-point inputs): ORT 1.30's CPU QMoE computes something else than
 * `(q − zp) · scale` from fitted block-wise zero points (layers.test.ts caught it), while MatMulNBits takes them.
 */
export const EXPERT_FORMAT: QuantisationFormat = { bits: 4, symmetric: true };
