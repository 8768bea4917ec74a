/**
 * Expert stacking for ORT's MoE/QMoE: HF experts (per-expert `gate_proj`/`up_proj` [I,H] and `down_proj` [H,I] on
 * disk, or transformers 5's fused `gate_up_proj` [E,2I,H] with the gate rows first and `down_proj` [E,H,I]) become
 * fc1 [E,2I,H] with gate and up rows interleaved (g0,u0,g1,u1,… — what `swiglu_fusion=1` reads: gate at even rows)
 * and fc2 [E,H,I]. Both stacks are `[E, out, in]`; the transposed layout also runs in ORT but computes garbage
 * (onnx-bundle.md §5.2). Experts are produced one at a time so int4 stacks never hold more than one expert in fp32.
 */
import type { MoeConfig } from './config';
import { quantizeBlockwise, type QuantisationFormat, type QuantisedWeights } from './quantize';
import type { WeightReader } from './weights';

/** One expert: fc1 [2I, H] (gate/up interleaved rows), fc2 [H, I]. */
export interface ExpertWeights {
  fc1: Float32Array;
  fc2: Float32Array;
}

function interleave(gate: Float32Array, up: Float32Array, I: number, H: number): Float32Array {
  const fc1 = new Float32Array(2 * I * H);
  for (let i = 0; i < I; i++) {
    fc1.set(gate.subarray(i * H, (i + 1) * H), 2 * i * H);
    fc1.set(up.subarray(i * H, (i + 1) * H), (2 * i + 1) * H);
  }
  return fc1;
}

/** `prefix` is the experts module, e.g. `thinker.model.layers.3.mlp.experts`. */
export async function* readExperts(weights: WeightReader, prefix: string, moe: MoeConfig, H: number): AsyncGenerator<ExpertWeights> {
  const { numExperts: E, intermediateSize: I } = moe;
  if (weights.has(`${prefix}.gate_up_proj`)) {
    const gateUp = await weights.f32(`${prefix}.gate_up_proj`, [E, 2 * I, H]);
    const down = await weights.f32(`${prefix}.down_proj`, [E, H, I]);
    for (let e = 0; e < E; e++) {
      const rows = gateUp.subarray(e * 2 * I * H, (e + 1) * 2 * I * H);
      yield { fc1: interleave(rows.subarray(0, I * H), rows.subarray(I * H), I, H), fc2: down.slice(e * H * I, (e + 1) * H * I) };
    }
    return;
  }
  for (let e = 0; e < E; e++) {
    const gate = await weights.f32(`${prefix}.${e}.gate_proj.weight`, [I, H]);
    const up = await weights.f32(`${prefix}.${e}.up_proj.weight`, [I, H]);
    const fc2 = await weights.f32(`${prefix}.${e}.down_proj.weight`, [H, I]);
    yield { fc1: interleave(gate, up, I, H), fc2 };
  }
}

export interface StackedExperts {
  /** [E, 2I, H] */
  fc1: Float32Array;
  /** [E, H, I] */
  fc2: Float32Array;
}

export async function stackExperts(experts: AsyncIterable<ExpertWeights>, moe: MoeConfig, H: number): Promise<StackedExperts> {
  const { numExperts: E, intermediateSize: I } = moe;
  const fc1 = new Float32Array(E * 2 * I * H);
  const fc2 = new Float32Array(E * H * I);
  let e = 0;
  for await (const expert of experts) {
    fc1.set(expert.fc1, e * 2 * I * H);
    fc2.set(expert.fc2, e * H * I);
    e++;
  }
  return { fc1, fc2 };
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

export interface StackedExpertsInt4 {
  /** packed [E, 2I, H/2], scales [E, 2I, H/blockSize] (or [E, 2I] per row). */
  fc1: QuantisedWeights;
  /** packed [E, H, I/2], scales [E, H, I/blockSize] (or [E, H] per row). */
  fc2: QuantisedWeights;
  /** 0 = per-row scales. */
  blockSize: number;
}

export async function stackExpertsInt4(
  experts: AsyncIterable<ExpertWeights>,
  moe: MoeConfig,
  H: number,
  blockSize: number,
): Promise<StackedExpertsInt4> {
  const { numExperts: E, intermediateSize: I } = moe;
  const stack = (N: number, K: number): QuantisedWeights => {
    const nBlocks = blockSize ? K / blockSize : 1;
    return { bits: 4, packed: new Uint8Array((E * N * K) / 2), scales: new Float32Array(E * N * nBlocks), zeroPoints: new Uint8Array(E * N * nBlocks).fill(8), nBlocks };
  };
  const fc1 = stack(2 * I, H);
  const fc2 = stack(H, I);
  const append = (into: QuantisedWeights, q: QuantisedWeights, e: number) => {
    into.packed.set(q.packed, e * q.packed.length);
    into.scales.set(q.scales, e * q.scales.length);
  };
  let e = 0;
  for await (const expert of experts) {
    append(fc1, quantizeBlockwise(expert.fc1, 2 * I, H, blockSize || H, EXPERT_FORMAT), e);
    append(fc2, quantizeBlockwise(expert.fc2, H, I, blockSize || I, EXPERT_FORMAT), e);
    e++;
  }
  return { fc1, fc2, blockSize };
}
