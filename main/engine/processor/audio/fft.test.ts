import { describe, expect, it } from 'vitest';
import { ComplexFft, factorize, RealPowerSpectrum } from './fft';

/** X[k] = Σ x[n] e^(−2πikn/N), written out. */
function naiveDft(re: Float64Array, im: Float64Array): [Float64Array, Float64Array] {
  const n = re.length;
  const outRe = new Float64Array(n);
  const outIm = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    for (let t = 0; t < n; t++) {
      const angle = (-2 * Math.PI * ((k * t) % n)) / n;
      outRe[k] += re[t] * Math.cos(angle) - im[t] * Math.sin(angle);
      outIm[k] += re[t] * Math.sin(angle) + im[t] * Math.cos(angle);
    }
  }
  return [outRe, outIm];
}

function noise(n: number, seed: number): Float64Array {
  let state = seed;
  return Float64Array.from({ length: n }, () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 1073741824 - 1;
  });
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  return a.reduce((max, v, i) => Math.max(max, Math.abs(v - b[i])), 0);
}

describe('ComplexFft', () => {
  it('splits sizes into radices 4, 2, 3, 5 and then larger primes', () => {
    expect(factorize(400)).toEqual([4, 4, 5, 5]);
    expect(factorize(200)).toEqual([4, 2, 5, 5]);
    expect(factorize(2 * 3 * 7 * 11)).toEqual([2, 3, 7, 11]);
    expect(factorize(1)).toEqual([]);
  });

  it.each([1, 2, 3, 4, 5, 8, 12, 30, 77, 200, 400, 512])('equals the written-out DFT for %i points', (n) => {
    const re = noise(n, n);
    const im = noise(n, n + 1);
    const [expectedRe, expectedIm] = naiveDft(re, im);
    new ComplexFft(n).transform(re, im);
    expect(maxAbsDiff(re, expectedRe)).toBeLessThan(1e-12 * n);
    expect(maxAbsDiff(im, expectedIm)).toBeLessThan(1e-12 * n);
  });
});

describe('RealPowerSpectrum', () => {
  it.each([2, 8, 400, 512])('gives |X[k]|² for k = 0 … n/2 of a real %i-point frame', (n) => {
    const frame = noise(n, 7);
    const [re, im] = naiveDft(frame, new Float64Array(n));
    const expected = Float64Array.from({ length: n / 2 + 1 }, (_, k) => re[k] ** 2 + im[k] ** 2);
    const power = new Float64Array(n / 2 + 1);
    new RealPowerSpectrum(n).compute(frame, power);
    expect(maxAbsDiff(power, expected)).toBeLessThan(1e-10 * n);
  });

  it('needs an even size', () => {
    expect(() => new RealPowerSpectrum(401)).toThrow(/even/);
  });
});
