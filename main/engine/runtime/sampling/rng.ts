/**
 * The seeded random source of sampling: xoshiro128** (Blackman & Vigna), seeded by splitmix64. torch's generator
 * cannot be reproduced outside torch, so a sampled reply never equals transformers' draw for draw; what a seed buys
 * is repeatability — the same seed, prompt and settings give the same reply, on every platform (32-bit integer
 * arithmetic only, no floating-point state).
 */

const MASK64 = (1n << 64n) - 1n;

/** splitmix64: spreads one 64-bit seed over the 128-bit xoshiro state (a zero state would stay zero). */
export function splitmix64(seed: bigint): () => bigint {
  let state = seed & MASK64;
  return () => {
    state = (state + 0x9e3779b97f4a7c15n) & MASK64;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
    return z ^ (z >> 31n);
  };
}

const rotl = (x: number, k: number) => (x << k) | (x >>> (32 - k));

export class Xoshiro128 {
  private readonly s: Uint32Array;

  /** Four 32-bit words of state; not all zero. */
  constructor(state: readonly [number, number, number, number]) {
    if (state.every((w) => w >>> 0 === 0)) throw new Error('Xoshiro128: the state must not be all zero');
    this.s = Uint32Array.from(state);
  }

  /** A generator for a 64-bit seed (any safe integer or bigint). */
  static fromSeed(seed: number | bigint): Xoshiro128 {
    const next = splitmix64(BigInt(seed));
    const a = next();
    const b = next();
    const word = (x: bigint, high: boolean) => Number((high ? x >> 32n : x) & 0xffffffffn);
    return new Xoshiro128([word(a, false), word(a, true), word(b, false), word(b, true)]);
  }

  nextUint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits (two outputs). */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 2 ** 26 + low) / 2 ** 53;
  }
}
