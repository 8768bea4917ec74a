import { describe, expect, it } from 'vitest';
import { npyArray } from '../runtime/npy';
import { loadGoldenCase } from './fixtures';
import {
  ParityError,
  assertClose,
  assertExact,
  compareArrays,
  compareExact,
  unravelIndex,
  type ComparisonResult,
} from './parity';

/** Runs fn, expects a ParityError and returns its result. */
function failure(fn: () => unknown): ComparisonResult {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ParityError);
    return (err as ParityError).result;
  }
  throw new Error('expected a ParityError');
}

describe('compareArrays statistics', () => {
  it('identical arrays: zero error, cosine and correlation 1', () => {
    const a = Float32Array.from([1, -2, 3, 0.5]);
    const r = compareArrays('x', a, a.slice(), { atol: 0 });
    expect(r.ok).toBe(true);
    expect(r.stats).toMatchObject({ maxAbs: 0, meanAbs: 0, relL2: 0, cosine: 1, correlation: 1, mismatches: 0 });
    expect(r.message).toMatch(/^x \[4\]: ok \|/);
  });

  it('computes max/mean abs, relative L2, cosine and correlation', () => {
    const e = { data: Float64Array.from([1, 2, 3, 4]), shape: [2, 2] };
    const a = { data: Float64Array.from([1, 2, 3, 5]), shape: [2, 2] };
    const s = compareArrays('m', e, a, { atol: 2 }).stats;
    expect(s.maxAbs).toBe(1);
    expect(s.maxAbsIndex).toEqual([1, 1]);
    expect(s.meanAbs).toBe(0.25);
    expect(s.relL2).toBeCloseTo(1 / Math.sqrt(30), 12);
    expect(s.cosine).toBeCloseTo(34 / Math.sqrt(30 * 39), 12);
    expect(s.correlation).toBeCloseTo(0.9827076298239907, 12);
  });

  it('applies atol + rtol * |expected| element-wise', () => {
    const e = Float32Array.from([100, 1]);
    expect(compareArrays('r', e, Float32Array.from([100.5, 1]), { rtol: 0.01 }).ok).toBe(true);
    expect(compareArrays('r', e, Float32Array.from([100, 1.5]), { rtol: 0.01 }).ok).toBe(false);
    expect(compareArrays('r', e, Float32Array.from([100, 1.5]), { rtol: 0.01, atol: 0.5 }).ok).toBe(true);
  });

  it('enforces mean, relative-L2, cosine, correlation and mismatch-fraction criteria', () => {
    const e = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const a = e.map((v, i) => (i === 3 ? v + 1 : v));
    expect(compareArrays('c', e, a, { atol: 0.1 }).ok).toBe(false);
    expect(compareArrays('c', e, a, { atol: 0.1, maxMismatchFraction: 0.1 }).ok).toBe(true);
    const r = compareArrays('c', e, a, {
      atol: 10,
      maxMeanAbs: 0.01,
      maxRelL2: 0.001,
      minCosine: 0.99999,
      minCorrelation: 0.99999,
    });
    expect(r.ok).toBe(false);
    expect(r.failures).toHaveLength(4);
    expect(r.message).toMatch(/mean \|diff\| 0\.1 > 0\.01/);
    expect(r.message).toMatch(/relative L2 error .* > 0\.001/);
    expect(r.message).toMatch(/cosine 0\.99.* < 0\.99999/);
    expect(r.message).toMatch(/correlation 0\.99.* < 0\.99999/);
  });

  it('treats matching NaN/Infinity as equal and a lone NaN as the worst element', () => {
    const e = Float32Array.from([NaN, Infinity, 1]);
    expect(compareArrays('n', e, Float32Array.from([NaN, Infinity, 1]), {}).ok).toBe(true);
    const r = compareArrays('n', e, Float32Array.from([NaN, Infinity, NaN]), { atol: 1 });
    expect(r.ok).toBe(false);
    expect(r.stats.worst).toMatchObject({ index: [2], expected: 1, absDiff: Infinity });
    expect(r.message).toMatch(/worst at \[2\]: expected 1, actual NaN/);
  });

  it('fails on shape mismatch with both shapes in the message', () => {
    const r = compareArrays('pos', { data: new Float32Array(6), shape: [3, 2] }, { data: new Float32Array(6), shape: [2, 3] });
    expect(r.ok).toBe(false);
    expect(r.message).toBe('pos: shape mismatch: expected [3, 2], actual [2, 3]');
    expect(compareArrays('len', new Float32Array(3), new Float32Array(4)).message).toMatch(/expected \[3\], actual \[4\]/);
  });

  it('accepts int64 data and plain arrays', () => {
    const e = npyArray('int64', [3], BigInt64Array.from([1n, 2n, 3n]));
    expect(compareArrays('i', e, { data: [1, 2, 3], shape: [3] }, {}).ok).toBe(true);
  });

  it('unravels flat indices in C order', () => {
    expect(unravelIndex(0, [2, 3, 4])).toEqual([0, 0, 0]);
    expect(unravelIndex(23, [2, 3, 4])).toEqual([1, 2, 3]);
    expect(unravelIndex(9, [2, 3, 4])).toEqual([0, 2, 1]);
    expect(unravelIndex(0, [])).toEqual([]);
  });
});

describe('exact comparison', () => {
  it('passes on equal ints and reports the first differing element', () => {
    const e = npyArray('int64', [2, 3], BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]));
    expect(assertExact('codes', e, { data: BigInt64Array.from([1n, 2n, 3n, 4n, 5n, 6n]), shape: [2, 3] }).mismatches).toBe(0);
    const r = compareExact('codes', e, { data: BigInt64Array.from([1n, 2n, 3n, 4n, 9n, 7n]), shape: [2, 3] });
    expect(r.ok).toBe(false);
    expect(r.stats.mismatches).toBe(2);
    expect(r.message).toBe('codes [2, 3]: 2 of 6 elements differ; first at [1, 1]: expected 5, actual 9');
  });

  it('compares int64 values beyond 2^53 exactly', () => {
    const big = 2n ** 60n;
    expect(compareExact('b', BigInt64Array.from([big]), BigInt64Array.from([big + 1n])).ok).toBe(false);
    expect(compareExact('b', BigInt64Array.from([big]), BigInt64Array.from([big])).ok).toBe(true);
    expect(compareExact('mixed', BigInt64Array.from([3n]), Int32Array.from([3])).ok).toBe(true);
  });
});

// The helper is only worth something if it fails on wrong data: perturb real golden arrays and check that the
// failure names the array, the perturbed element and both values.
describe('parity helper on perturbed golden data', () => {
  const golden = loadGoldenCase('images_audio');

  it('accepts the golden itself and fails on a single perturbed logit', () => {
    const expected = golden.array('thinker_prefill_logits', 'float32');
    const tol = { atol: 1e-4, rtol: 1e-4, minCosine: 0.99999 };
    expect(assertClose('thinker_prefill_logits', expected, { data: expected.data.slice(), shape: expected.shape }, tol).maxAbs).toBe(0);

    const perturbed = expected.data.slice();
    const k = 123457;
    perturbed[k] += 0.01;
    const r = failure(() => assertClose('thinker_prefill_logits', expected, { data: perturbed, shape: expected.shape }, tol));
    expect(r.stats.mismatches).toBe(1);
    expect(r.stats.worst?.index).toEqual([k]);
    expect(r.stats.worst?.expected).toBe(expected.data[k]);
    expect(r.stats.worst?.actual).toBe(perturbed[k]);
    expect(r.message).toMatch(/^thinker_prefill_logits \[152064\]: 1 of 152064 elements outside/);
    expect(r.message).toContain(`worst at [${k}]`);
    expect(r.message).toContain(`expected ${Number(expected.data[k].toPrecision(8))}`);
  });

  it('fails on a perturbed element of a 2-D golden and gives its multi-index', () => {
    const expected = golden.array('pixel_values', 'float32'); // [rows, 1536]
    const perturbed = expected.data.slice();
    const row = 37;
    const col = 1000;
    perturbed[row * 1536 + col] *= -1.5;
    const r = failure(() => assertClose('pixel_values', expected, { data: perturbed, shape: expected.shape }, { atol: 1e-6 }));
    expect(r.stats.worst?.index).toEqual([row, col]);
    expect(r.message).toContain(`pixel_values [${expected.shape.join(', ')}]`);
    expect(r.message).toContain(`worst at [${row}, ${col}]`);
  });

  it('fails on low-amplitude noise spread over a whole waveform through the aggregate criteria', () => {
    const expected = golden.array('waveform', 'float32');
    let seed = 1;
    const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31 - 0.5) * 0.2;
    const noisy = expected.data.map((v) => v + noise());
    const r = compareArrays('waveform', expected, { data: noisy, shape: expected.shape }, { atol: 1, minCorrelation: 0.999 });
    expect(r.ok).toBe(false);
    expect(r.failures).toEqual([expect.stringMatching(/^correlation 0\.\d+ < 0\.999$/)]);
  });

  it('fails on a changed token id and a swapped code, naming the position', () => {
    const ids = golden.array('input_ids', 'int64');
    const bad = ids.data.slice();
    bad[5] = ids.data[5] === 151675n ? 151655n : 151675n; // an image pad where an audio pad belongs, or vice versa
    const r = failure(() => assertExact('input_ids', ids, { data: bad, shape: ids.shape }));
    expect(r.message).toBe(
      `input_ids [${ids.shape[0]}]: 1 of ${ids.shape[0]} elements differ; first at [5]: expected ${ids.data[5]}, actual ${bad[5]}`,
    );

    const codes = golden.array('codes', 'int64'); // [16, T]
    const swapped = codes.data.slice();
    const t = codes.shape[1];
    [swapped[3 * t + 2], swapped[4 * t + 2]] = [swapped[4 * t + 2], swapped[3 * t + 2]];
    if (swapped[3 * t + 2] !== codes.data[3 * t + 2]) {
      expect(() => assertExact('codes', codes, { data: swapped, shape: codes.shape })).toThrow(/codes \[16, \d+\]: 2 of \d+ elements differ; first at \[3, 2\]/);
    }
  });
});
