import { describe, expect, it } from 'vitest';
import { mropeCosSin } from './mrope';

const invFreq = (k: number, D: number, theta: number) => 1 / theta ** ((2 * k) / D);

describe('mropeCosSin', () => {
  it('is ordinary RoPE when the three rows are equal (text)', () => {
    const positions = [0, 1, 2, 1000, 30000];
    const { cos, sin } = mropeCosSin([...positions, ...positions, ...positions], 32, 1e6, [8, 4, 4]);
    expect(cos.length).toBe(5 * 16);
    for (let s = 0; s < 5; s++) {
      for (let k = 0; k < 16; k++) {
        const angle = positions[s] * invFreq(k, 32, 1e6);
        // float32 angle rounding (as transformers) costs ~|angle|·2^-24 at most
        expect(Math.abs(cos[s * 16 + k] - Math.cos(angle))).toBeLessThan(4e-7 * Math.max(1, angle));
        expect(Math.abs(sin[s * 16 + k] - Math.sin(angle))).toBeLessThan(4e-7 * Math.max(1, angle));
      }
    }
  });

  it('takes frequency k from H when k ≡ 1 (mod 3), from W when k ≡ 2, below 3·section, else from T', () => {
    // One token at T = 3, H = 5, W = 7; section [8, 4, 4]: H/W own k < 12, k = 12..15 are T-only.
    const { cos } = mropeCosSin([3, 5, 7], 32, 1e4, [8, 4, 4]);
    const axisOf = (k: number) => (k % 3 === 1 && k < 12 ? 5 : k % 3 === 2 && k < 12 ? 7 : 3);
    expect(Array.from({ length: 16 }, (_, k) => axisOf(k))).toEqual([3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 5, 7, 3, 3, 3, 3]);
    for (let k = 0; k < 16; k++) expect(cos[k]).toBeCloseTo(Math.cos(axisOf(k) * invFreq(k, 32, 1e4)), 6);
  });

  it("gives the real checkpoint's split: 24 T, 20 H and 20 W frequencies of 64", () => {
    const { sin } = mropeCosSin([1, 2, 3], 128, 1e6, [24, 20, 20]);
    const axis = Array.from(sin, (v, k) => [1, 2, 3].findIndex((p) => Math.abs(v - Math.sin(p * invFreq(k, 128, 1e6))) < 1e-7));
    expect([0, 1, 2].map((a) => axis.filter((x) => x === a).length)).toEqual([24, 20, 20]);
  });

  it('rejects a section that does not cover headDim / 2', () => {
    expect(() => mropeCosSin([0, 0, 0], 128, 1e6, [8, 4, 4])).toThrow('section [8, 4, 4] must have 3 entries summing to headDim / 2 = 64');
  });
});
