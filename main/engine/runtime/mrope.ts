/**
 * Host-side rotary tables for the thinker and talker (qwen3-omni.md §7.3): interleaved M-RoPE. Frequency k of
 * `headDim / 2` takes its angle from the H row when k ≡ 1 (mod 3) and k < 3·section[1], from the W row when
 * k ≡ 2 (mod 3) and k < 3·section[2], else from the T row; text-only positions (all rows equal) give ordinary RoPE.
 * The graphs receive only the half tables `[S, headDim/2]`: rotate-half reuses frequency k for both halves.
 *
 * Arithmetic follows transformers in float32 (`inv_freq = 1 / θ^(2k/D)`, `freqs = inv_freq · position`, then
 * cos/sin), so large positions round as they do there.
 */

export interface RotaryTables {
  /** `[S, headDim/2]` row-major. */
  cos: Float32Array;
  sin: Float32Array;
}

const f32 = Math.fround;

/** transformers' `inv_freq = 1 / θ^(2k/D)`, k = 0 … D/2 − 1, rounded to float32 as torch computes it. */
export function ropeInverseFrequencies(headDim: number, theta: number): Float32Array {
  return Float32Array.from({ length: headDim / 2 }, (_, k) => f32(1 / f32(theta ** f32((2 * k) / headDim))));
}

/** `positionIds` is `[3, S]` row-major (T, H, W rows), as `ropeIndex` returns it. */
export function mropeCosSin(positionIds: ArrayLike<number>, headDim: number, theta: number, section: readonly number[]): RotaryTables {
  const half = headDim / 2;
  if (section.length !== 3 || section[0] + section[1] + section[2] !== half) {
    throw new Error(`mropeCosSin: section [${section.join(', ')}] must have 3 entries summing to headDim / 2 = ${half}`);
  }
  if (positionIds.length % 3 !== 0) throw new Error(`mropeCosSin: ${positionIds.length} position ids are not 3 rows`);
  const S = positionIds.length / 3;
  const axis = Array.from({ length: half }, (_, k) => (k % 3 === 1 && k < 3 * section[1] ? 1 : k % 3 === 2 && k < 3 * section[2] ? 2 : 0));
  const invFreq = ropeInverseFrequencies(headDim, theta);
  const cos = new Float32Array(S * half);
  const sin = new Float32Array(S * half);
  for (let s = 0; s < S; s++) {
    for (let k = 0; k < half; k++) {
      const angle = f32(invFreq[k] * f32(positionIds[axis[k] * S + s]));
      cos[s * half + k] = Math.cos(angle);
      sin[s * half + k] = Math.sin(angle);
    }
  }
  return { cos, sin };
}
