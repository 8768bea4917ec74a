/**
 * Numerical parity helpers: compare an actual array with a golden one and explain any failure.
 *
 * `compareArrays` computes max/mean absolute error, relative L2 error, cosine similarity and Pearson correlation, and
 * counts the elements outside the element-wise bound |actual - expected| <= atol + rtol * |expected|. A failure
 * message names the array, its shape, the worst element (multi-index, expected, actual) and the statistics, e.g.
 *
 *   thinker_prefill_logits [152064]: 1 of 152064 elements outside |a-e| <= 0.0001 + 0.0001*|e|; worst at [1234]:
 *   expected 3.2145, actual 3.2245 (|diff| 0.01, allowed 0.00042) | maxAbs 0.01 at [1234], meanAbs 6.6e-8, ...
 *
 * Integer/bool arrays (ids, codes, masks, grids) use `compareExact`, which reports the first differing element.
 * Everything is computed in float64; int64 data (BigInt64Array) is compared exactly as bigint.
 */
import type { NpyArray } from '../runtime/npy';

type NumericData =
  | Float32Array
  | Float64Array
  | Int32Array
  | Uint8Array
  | Int8Array
  | Int16Array
  | Uint16Array
  | Uint32Array
  | readonly number[];

export type ArrayData = NumericData | BigInt64Array | BigUint64Array | readonly bigint[];

/** An NpyArray, `{ data, shape }`, or bare data (treated as 1-D). */
export type ArrayInput = NpyArray | { data: ArrayData; shape?: readonly number[] } | ArrayData;

export interface Tolerance {
  /** Absolute part of the element-wise bound (default 0). */
  atol?: number;
  /** Relative part of the element-wise bound (default 0). With neither atol nor rtol the bound is exact equality. */
  rtol?: number;
  /** Fraction of elements allowed outside the element-wise bound (default 0), e.g. for clipped waveforms. */
  maxMismatchFraction?: number;
  /** Upper bound on mean |a - e|. */
  maxMeanAbs?: number;
  /** Upper bound on ||a - e||2 / ||e||2. */
  maxRelL2?: number;
  /** Lower bound on the cosine similarity of a and e. */
  minCosine?: number;
  /** Lower bound on the Pearson correlation of a and e. */
  minCorrelation?: number;
}

export interface WorstElement {
  index: number[];
  flatIndex: number;
  expected: number;
  actual: number;
  absDiff: number;
  allowed: number;
}

export interface ComparisonStats {
  name: string;
  shape: number[];
  count: number;
  maxAbs: number;
  maxAbsIndex: number[];
  meanAbs: number;
  relL2: number;
  cosine: number;
  correlation: number;
  /** Elements outside |a - e| <= atol + rtol * |e| (exact comparison: differing elements). */
  mismatches: number;
  /** The element furthest beyond its bound (or the first differing element for exact comparisons); null if none. */
  worst: WorstElement | null;
}

export interface ComparisonResult {
  ok: boolean;
  stats: ComparisonStats;
  /** One line per violated criterion. */
  failures: string[];
  /** Human-readable summary: the failure explanation, or the statistics when ok. */
  message: string;
}

export class ParityError extends Error {
  constructor(readonly result: ComparisonResult) {
    super(result.message);
    this.name = 'ParityError';
  }
}

interface Normalised {
  shape: number[];
  data: ArrayData;
}

function normalise(input: ArrayInput): Normalised {
  if (ArrayBuffer.isView(input) || Array.isArray(input)) {
    const data = input as ArrayData;
    return { shape: [data.length], data };
  }
  const obj = input as { data: ArrayData; shape?: readonly number[] };
  return { shape: obj.shape ? [...obj.shape] : [obj.data.length], data: obj.data };
}

const isBigData = (d: ArrayData): boolean =>
  d instanceof BigInt64Array || d instanceof BigUint64Array || (Array.isArray(d) && typeof d[0] === 'bigint');

const at = (d: ArrayData, i: number): number => Number(d[i]);

/** Flat C-order index → multi-index. */
export function unravelIndex(flat: number, shape: readonly number[]): number[] {
  if (shape.length === 0) return [];
  const out = new Array<number>(shape.length);
  let rest = flat;
  for (let k = shape.length - 1; k >= 0; k--) {
    const d = shape[k] || 1;
    out[k] = rest % d;
    rest = Math.floor(rest / d);
  }
  return out;
}

const fmtIndex = (index: number[]) => `[${index.join(', ')}]`;

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (x === 0) return '0';
  const a = Math.abs(x);
  return a >= 1e-3 && a < 1e6 ? String(Number(x.toPrecision(8))) : x.toExponential(4);
}

function shapeProblem(name: string, e: Normalised, a: Normalised): ComparisonResult | null {
  const sameShape = e.shape.length === a.shape.length && e.shape.every((d, i) => d === a.shape[i]);
  const expectedCount = e.shape.reduce((n, d) => n * d, 1);
  let failure: string | null = null;
  if (!sameShape) failure = `shape mismatch: expected ${fmtIndex(e.shape)}, actual ${fmtIndex(a.shape)}`;
  else if (e.data.length !== expectedCount || a.data.length !== expectedCount) {
    failure = `data length does not match shape ${fmtIndex(e.shape)} (expected ${e.data.length}, actual ${a.data.length} elements)`;
  }
  if (!failure) return null;
  const stats: ComparisonStats = {
    name,
    shape: e.shape,
    count: expectedCount,
    maxAbs: NaN,
    maxAbsIndex: [],
    meanAbs: NaN,
    relL2: NaN,
    cosine: NaN,
    correlation: NaN,
    mismatches: expectedCount,
    worst: null,
  };
  return { ok: false, stats, failures: [failure], message: `${name}: ${failure}` };
}

/** |a - e| with NaN == NaN and equal infinities counting as identical. */
function absDiff(e: number, a: number): number {
  if (Number.isNaN(e) || Number.isNaN(a)) return Number.isNaN(e) && Number.isNaN(a) ? 0 : Infinity;
  if (e === a) return 0;
  return Math.abs(a - e);
}

/** Compares with tolerances; never throws (see assertClose). */
export function compareArrays(name: string, expected: ArrayInput, actual: ArrayInput, tol: Tolerance = {}): ComparisonResult {
  const e = normalise(expected);
  const a = normalise(actual);
  const bad = shapeProblem(name, e, a);
  if (bad) return bad;
  const atol = tol.atol ?? 0;
  const rtol = tol.rtol ?? 0;
  const n = e.data.length;

  let maxAbs = 0;
  let maxAbsFlat = 0;
  let sumAbs = 0;
  let sumSqDiff = 0;
  let sumSqE = 0;
  let sumSqA = 0;
  let dot = 0;
  let sumE = 0;
  let sumA = 0;
  let mismatches = 0;
  let worst: WorstElement | null = null;
  let worstExcess = -Infinity;
  for (let i = 0; i < n; i++) {
    const ev = at(e.data, i);
    const av = at(a.data, i);
    const d = absDiff(ev, av);
    const allowed = atol + rtol * Math.abs(ev);
    if (d > maxAbs || (i === 0 && d === maxAbs)) {
      maxAbs = d;
      maxAbsFlat = i;
    }
    sumAbs += d;
    sumSqDiff += d === Infinity ? Infinity : d * d;
    sumSqE += ev * ev;
    sumSqA += av * av;
    dot += ev * av;
    sumE += ev;
    sumA += av;
    if (d > allowed) {
      mismatches++;
      const excess = d === Infinity ? Infinity : d - allowed;
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = { index: unravelIndex(i, e.shape), flatIndex: i, expected: ev, actual: av, absDiff: d, allowed };
      }
    }
  }
  const meanAbs = n > 0 ? sumAbs / n : 0;
  const relL2 = sumSqE > 0 ? Math.sqrt(sumSqDiff / sumSqE) : sumSqDiff === 0 ? 0 : Infinity;
  const cosine = sumSqE === 0 && sumSqA === 0 ? 1 : sumSqE === 0 || sumSqA === 0 ? 0 : dot / Math.sqrt(sumSqE * sumSqA);
  // Pearson correlation, second pass around the means for accuracy
  let correlation: number;
  if (n === 0) correlation = 1;
  else {
    const me = sumE / n;
    const ma = sumA / n;
    let cov = 0;
    let ve = 0;
    let va = 0;
    for (let i = 0; i < n; i++) {
      const de = at(e.data, i) - me;
      const da = at(a.data, i) - ma;
      cov += de * da;
      ve += de * de;
      va += da * da;
    }
    if (ve === 0 && va === 0) correlation = maxAbs === 0 ? 1 : 0;
    else if (ve === 0 || va === 0) correlation = 0;
    else correlation = cov / Math.sqrt(ve * va);
  }
  const stats: ComparisonStats = {
    name,
    shape: e.shape,
    count: n,
    maxAbs,
    maxAbsIndex: unravelIndex(maxAbsFlat, e.shape),
    meanAbs,
    relL2,
    cosine,
    correlation,
    mismatches,
    worst,
  };

  const failures: string[] = [];
  const allowedMismatches = Math.floor((tol.maxMismatchFraction ?? 0) * n);
  if (mismatches > allowedMismatches && worst) {
    const bound = atol === 0 && rtol === 0 ? 'a == e' : `|a-e| <= ${fmt(atol)} + ${fmt(rtol)}*|e|`;
    const budget = allowedMismatches > 0 ? ` (at most ${allowedMismatches} allowed)` : '';
    failures.push(
      `${mismatches} of ${n} elements outside ${bound}${budget}; worst at ${fmtIndex(worst.index)}: ` +
        `expected ${fmt(worst.expected)}, actual ${fmt(worst.actual)} (|diff| ${fmt(worst.absDiff)}, allowed ${fmt(worst.allowed)})`,
    );
  }
  if (tol.maxMeanAbs !== undefined && !(meanAbs <= tol.maxMeanAbs)) {
    failures.push(`mean |diff| ${fmt(meanAbs)} > ${fmt(tol.maxMeanAbs)}`);
  }
  if (tol.maxRelL2 !== undefined && !(relL2 <= tol.maxRelL2)) {
    failures.push(`relative L2 error ${fmt(relL2)} > ${fmt(tol.maxRelL2)}`);
  }
  if (tol.minCosine !== undefined && !(cosine >= tol.minCosine)) {
    failures.push(`cosine ${fmt(cosine)} < ${fmt(tol.minCosine)}`);
  }
  if (tol.minCorrelation !== undefined && !(correlation >= tol.minCorrelation)) {
    failures.push(`correlation ${fmt(correlation)} < ${fmt(tol.minCorrelation)}`);
  }
  const summary =
    `maxAbs ${fmt(maxAbs)} at ${fmtIndex(stats.maxAbsIndex)} (expected ${fmt(at(e.data, maxAbsFlat))}, ` +
    `actual ${fmt(at(a.data, maxAbsFlat))}), meanAbs ${fmt(meanAbs)}, relL2 ${fmt(relL2)}, ` +
    `cosine ${fmt(cosine)}, correlation ${fmt(correlation)}`;
  const head = `${name} ${fmtIndex(e.shape)}`;
  const message = failures.length ? `${head}: ${failures.join('; ')} | ${summary}` : `${head}: ok | ${summary}`;
  return { ok: failures.length === 0, stats, failures, message };
}

/** Throws a ParityError (message: array name, worst index, expected vs actual, statistics) unless within tolerance. */
export function assertClose(name: string, expected: ArrayInput, actual: ArrayInput, tol: Tolerance): ComparisonStats {
  const result = compareArrays(name, expected, actual, tol);
  if (!result.ok) throw new ParityError(result);
  return result.stats;
}

/** Exact element-wise equality (ids, codes, masks, grids, bools); int64 compared as bigint. Never throws. */
export function compareExact(name: string, expected: ArrayInput, actual: ArrayInput): ComparisonResult {
  const e = normalise(expected);
  const a = normalise(actual);
  const bad = shapeProblem(name, e, a);
  if (bad) return bad;
  const n = e.data.length;
  const big = isBigData(e.data) || isBigData(a.data);
  const value = (d: ArrayData, i: number): bigint | number => {
    if (!big) return Number(d[i]);
    const v = d[i];
    if (typeof v === 'bigint') return v;
    if (!Number.isInteger(v)) return Number.NaN; // a non-integer never equals an int64
    return BigInt(v as number);
  };
  let mismatches = 0;
  let first = -1;
  for (let i = 0; i < n; i++) {
    const ev = value(e.data, i);
    const av = value(a.data, i);
    const same = ev === av || (typeof ev === 'number' && typeof av === 'number' && Number.isNaN(ev) && Number.isNaN(av));
    if (!same) {
      mismatches++;
      if (first < 0) first = i;
    }
  }
  let worst: WorstElement | null = null;
  if (first >= 0) {
    const ev = Number(value(e.data, first));
    const av = Number(value(a.data, first));
    worst = { index: unravelIndex(first, e.shape), flatIndex: first, expected: ev, actual: av, absDiff: absDiff(ev, av), allowed: 0 };
  }
  const stats: ComparisonStats = {
    name,
    shape: e.shape,
    count: n,
    maxAbs: NaN,
    maxAbsIndex: [],
    meanAbs: NaN,
    relL2: NaN,
    cosine: NaN,
    correlation: NaN,
    mismatches,
    worst,
  };
  const head = `${name} ${fmtIndex(e.shape)}`;
  if (first < 0) return { ok: true, stats, failures: [], message: `${head}: ok (all ${n} elements equal)` };
  const failure =
    `${mismatches} of ${n} elements differ; first at ${fmtIndex(worst!.index)}: ` +
    `expected ${String(value(e.data, first))}, actual ${String(value(a.data, first))}`;
  return { ok: false, stats, failures: [failure], message: `${head}: ${failure}` };
}

/** Throws a ParityError naming the first differing element unless the arrays are identical. */
export function assertExact(name: string, expected: ArrayInput, actual: ArrayInput): ComparisonStats {
  const result = compareExact(name, expected, actual);
  if (!result.ok) throw new ParityError(result);
  return result.stats;
}
