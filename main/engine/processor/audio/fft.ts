/**
 * Discrete Fourier transforms for the log-mel: a mixed-radix (4, 2, 3, 5, then any prime) Stockham FFT, so sizes
 * like Whisper's n_fft = 400 = 2⁴·5² need no zero padding, and a real FFT that runs it at half size. Plans
 * (factors, twiddles) are computed once per size; transforms allocate nothing.
 */

interface Stage {
  radix: number;
  /** Length of each sub-transform after this stage (n / (radix · stride so far)). */
  span: number;
  stride: number;
  /** w^(j·t) for j < span, t = 1 … radix−1, w = e^(−2πi / (radix·span)). */
  twiddleRe: Float64Array;
  twiddleIm: Float64Array;
  butterflies: Butterflies;
}

/** In-place-looking forward complex DFT (X[k] = Σ x[n] e^(−2πikn/N)) over split real/imaginary arrays. */
export class ComplexFft {
  private readonly stages: Stage[] = [];
  private readonly scratchRe: Float64Array;
  private readonly scratchIm: Float64Array;

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`FFT size must be a positive integer (got ${size})`);
    let span = size;
    let stride = 1;
    for (const radix of factorize(size)) {
      const nextSpan = span / radix;
      const twiddleRe = new Float64Array(nextSpan * (radix - 1));
      const twiddleIm = new Float64Array(nextSpan * (radix - 1));
      for (let j = 0; j < nextSpan; j++) {
        for (let t = 1; t < radix; t++) {
          const angle = (-2 * Math.PI * j * t) / span;
          twiddleRe[j * (radix - 1) + t - 1] = Math.cos(angle);
          twiddleIm[j * (radix - 1) + t - 1] = Math.sin(angle);
        }
      }
      const butterflies = BUTTERFLIES[radix] ?? genericButterflies;
      this.stages.push({ radix, span: nextSpan, stride, twiddleRe, twiddleIm, butterflies });
      span = nextSpan;
      stride *= radix;
    }
    this.scratchRe = new Float64Array(size);
    this.scratchIm = new Float64Array(size);
  }

  /** Transforms `re`/`im` (length `size`); the result is written back into them. */
  transform(re: Float64Array, im: Float64Array): void {
    let [inRe, inIm, outRe, outIm] = [re, im, this.scratchRe, this.scratchIm];
    for (const stage of this.stages) {
      stage.butterflies(stage, inRe, inIm, outRe, outIm);
      [inRe, inIm, outRe, outIm] = [outRe, outIm, inRe, inIm];
    }
    if (inRe !== re) {
      re.set(inRe);
      im.set(inIm);
    }
  }
}

/** Radices in the order they are applied: 4s first (cheapest per point), then 2, 3, 5, then other primes. */
export function factorize(n: number): number[] {
  const factors: number[] = [];
  for (const radix of [4, 2, 3, 5]) {
    while (n % radix === 0) {
      factors.push(radix);
      n /= radix;
    }
  }
  for (let p = 7; n > 1; p += 2) {
    while (n % p === 0) {
      factors.push(p);
      n /= p;
    }
  }
  return factors;
}

type Butterflies = (stage: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array) => void;

// Stockham step: inputs x[q + s·(j + r·m)], r < radix; outputs y[q + s·(radix·j + t)], t < radix, times w^(j·t).
const BUTTERFLIES: Record<number, Butterflies> = {
  2: ({ span: m, stride: s, twiddleRe: wr, twiddleIm: wi }, xr, xi, yr, yi) => {
    for (let j = 0; j < m; j++) {
      const w1r = wr[j];
      const w1i = wi[j];
      for (let q = 0; q < s; q++) {
        const a = q + s * j;
        const b = a + s * m;
        const o = q + 2 * s * j;
        const dr = xr[a] - xr[b];
        const di = xi[a] - xi[b];
        yr[o] = xr[a] + xr[b];
        yi[o] = xi[a] + xi[b];
        yr[o + s] = dr * w1r - di * w1i;
        yi[o + s] = dr * w1i + di * w1r;
      }
    }
  },
  3: ({ span: m, stride: s, twiddleRe: wr, twiddleIm: wi }, xr, xi, yr, yi) => {
    const sin60 = Math.sqrt(3) / 2;
    for (let j = 0; j < m; j++) {
      const w1r = wr[2 * j];
      const w1i = wi[2 * j];
      const w2r = wr[2 * j + 1];
      const w2i = wi[2 * j + 1];
      for (let q = 0; q < s; q++) {
        const i0 = q + s * j;
        const i1 = i0 + s * m;
        const i2 = i1 + s * m;
        const o = q + 3 * s * j;
        const sumR = xr[i1] + xr[i2];
        const sumI = xi[i1] + xi[i2];
        const midR = xr[i0] - 0.5 * sumR;
        const midI = xi[i0] - 0.5 * sumI;
        // −i·sin60·(x1 − x2)
        const rotR = sin60 * (xi[i1] - xi[i2]);
        const rotI = -sin60 * (xr[i1] - xr[i2]);
        yr[o] = xr[i0] + sumR;
        yi[o] = xi[i0] + sumI;
        storeRotated(yr, yi, o + s, midR + rotR, midI + rotI, w1r, w1i);
        storeRotated(yr, yi, o + 2 * s, midR - rotR, midI - rotI, w2r, w2i);
      }
    }
  },
  4: ({ span: m, stride: s, twiddleRe: wr, twiddleIm: wi }, xr, xi, yr, yi) => {
    for (let j = 0; j < m; j++) {
      const w1r = wr[3 * j];
      const w1i = wi[3 * j];
      const w2r = wr[3 * j + 1];
      const w2i = wi[3 * j + 1];
      const w3r = wr[3 * j + 2];
      const w3i = wi[3 * j + 2];
      for (let q = 0; q < s; q++) {
        const i0 = q + s * j;
        const i1 = i0 + s * m;
        const i2 = i1 + s * m;
        const i3 = i2 + s * m;
        const o = q + 4 * s * j;
        const t0r = xr[i0] + xr[i2];
        const t0i = xi[i0] + xi[i2];
        const t1r = xr[i0] - xr[i2];
        const t1i = xi[i0] - xi[i2];
        const t2r = xr[i1] + xr[i3];
        const t2i = xi[i1] + xi[i3];
        // −i·(x1 − x3)
        const t3r = xi[i1] - xi[i3];
        const t3i = xr[i3] - xr[i1];
        yr[o] = t0r + t2r;
        yi[o] = t0i + t2i;
        storeRotated(yr, yi, o + s, t1r + t3r, t1i + t3i, w1r, w1i);
        storeRotated(yr, yi, o + 2 * s, t0r - t2r, t0i - t2i, w2r, w2i);
        storeRotated(yr, yi, o + 3 * s, t1r - t3r, t1i - t3i, w3r, w3i);
      }
    }
  },
  5: ({ span: m, stride: s, twiddleRe: wr, twiddleIm: wi }, xr, xi, yr, yi) => {
    const c1 = Math.cos((2 * Math.PI) / 5);
    const c2 = Math.cos((4 * Math.PI) / 5);
    const s1 = Math.sin((2 * Math.PI) / 5);
    const s2 = Math.sin((4 * Math.PI) / 5);
    for (let j = 0; j < m; j++) {
      const w = 4 * j;
      for (let q = 0; q < s; q++) {
        const i0 = q + s * j;
        const i1 = i0 + s * m;
        const i2 = i1 + s * m;
        const i3 = i2 + s * m;
        const i4 = i3 + s * m;
        const o = q + 5 * s * j;
        const b1r = xr[i1] + xr[i4];
        const b1i = xi[i1] + xi[i4];
        const b2r = xr[i2] + xr[i3];
        const b2i = xi[i2] + xi[i3];
        const d1r = xr[i1] - xr[i4];
        const d1i = xi[i1] - xi[i4];
        const d2r = xr[i2] - xr[i3];
        const d2i = xi[i2] - xi[i3];
        const e1r = xr[i0] + c1 * b1r + c2 * b2r;
        const e1i = xi[i0] + c1 * b1i + c2 * b2i;
        const e2r = xr[i0] + c2 * b1r + c1 * b2r;
        const e2i = xi[i0] + c2 * b1i + c1 * b2i;
        // −i·(s1·d1 + s2·d2) and −i·(s2·d1 − s1·d2)
        const f1r = s1 * d1i + s2 * d2i;
        const f1i = -(s1 * d1r + s2 * d2r);
        const f2r = s2 * d1i - s1 * d2i;
        const f2i = -(s2 * d1r - s1 * d2r);
        yr[o] = xr[i0] + b1r + b2r;
        yi[o] = xi[i0] + b1i + b2i;
        if (m === 1) {
          // The last stage, where every twiddle is 1; 5s come last in the factor order, so for Whisper's 400-point
          // frames this saves a tenth of the multiplications.
          yr[o + s] = e1r + f1r;
          yi[o + s] = e1i + f1i;
          yr[o + 2 * s] = e2r + f2r;
          yi[o + 2 * s] = e2i + f2i;
          yr[o + 3 * s] = e2r - f2r;
          yi[o + 3 * s] = e2i - f2i;
          yr[o + 4 * s] = e1r - f1r;
          yi[o + 4 * s] = e1i - f1i;
          continue;
        }
        storeRotated(yr, yi, o + s, e1r + f1r, e1i + f1i, wr[w], wi[w]);
        storeRotated(yr, yi, o + 2 * s, e2r + f2r, e2i + f2i, wr[w + 1], wi[w + 1]);
        storeRotated(yr, yi, o + 3 * s, e2r - f2r, e2i - f2i, wr[w + 2], wi[w + 2]);
        storeRotated(yr, yi, o + 4 * s, e1r - f1r, e1i - f1i, wr[w + 3], wi[w + 3]);
      }
    }
  },
};

function storeRotated(yr: Float64Array, yi: Float64Array, at: number, re: number, im: number, wr: number, wi: number): void {
  yr[at] = re * wr - im * wi;
  yi[at] = re * wi + im * wr;
}

/** Any prime radix: the radix-point DFT written out (only for sizes with factors above 5). */
function genericButterflies(stage: Stage, xr: Float64Array, xi: Float64Array, yr: Float64Array, yi: Float64Array): void {
  const { radix: p, span: m, stride: s, twiddleRe: wr, twiddleIm: wi } = stage;
  for (let j = 0; j < m; j++) {
    for (let q = 0; q < s; q++) {
      for (let t = 0; t < p; t++) {
        let re = 0;
        let im = 0;
        for (let r = 0; r < p; r++) {
          const angle = (-2 * Math.PI * ((r * t) % p)) / p;
          const i = q + s * (j + r * m);
          re += xr[i] * Math.cos(angle) - xi[i] * Math.sin(angle);
          im += xr[i] * Math.sin(angle) + xi[i] * Math.cos(angle);
        }
        const o = q + s * (p * j + t);
        if (t === 0) {
          yr[o] = re;
          yi[o] = im;
        } else storeRotated(yr, yi, o, re, im, wr[j * (p - 1) + t - 1], wi[j * (p - 1) + t - 1]);
      }
    }
  }
}

/**
 * Power spectrum |X[k]|², k = 0 … ⌊n/2⌋, of a real signal of even length n, through one complex FFT of n/2 points:
 * z[m] = x[2m] + i·x[2m+1], then X[k] = E[k] + e^(−2πik/n)·O[k] with E, O the spectra of the even and odd samples.
 */
export class RealPowerSpectrum {
  readonly bins: number;
  private readonly half: ComplexFft;
  private readonly re: Float64Array;
  private readonly im: Float64Array;
  private readonly rotRe: Float64Array;
  private readonly rotIm: Float64Array;

  constructor(readonly size: number) {
    if (size % 2 !== 0 || size < 2) throw new RangeError(`Real FFT size must be even (got ${size})`);
    const half = size / 2;
    this.bins = half + 1;
    this.half = new ComplexFft(half);
    this.re = new Float64Array(half);
    this.im = new Float64Array(half);
    this.rotRe = new Float64Array(this.bins);
    this.rotIm = new Float64Array(this.bins);
    for (let k = 0; k < this.bins; k++) {
      this.rotRe[k] = Math.cos((-2 * Math.PI * k) / size);
      this.rotIm[k] = Math.sin((-2 * Math.PI * k) / size);
    }
  }

  /** Spectrum of `frame` (length `size`) into `power[0 … bins)`. */
  compute(frame: Float64Array, power: Float64Array): void {
    const { re, im, rotRe, rotIm } = this;
    const half = re.length;
    for (let m = 0; m < half; m++) {
      re[m] = frame[2 * m];
      im[m] = frame[2 * m + 1];
    }
    this.half.transform(re, im);
    for (let k = 0; k < this.bins; k++) {
      // Z is periodic in `half`: Z[half] = Z[0].
      const a = re[k === half ? 0 : k];
      const b = im[k === half ? 0 : k];
      const c = re[k === 0 ? 0 : half - k];
      const d = im[k === 0 ? 0 : half - k];
      // E = (Z[k] + conj Z[h−k]) / 2, O = (Z[k] − conj Z[h−k]) / 2i
      const er = 0.5 * (a + c);
      const ei = 0.5 * (b - d);
      const or = 0.5 * (b + d);
      const oi = -0.5 * (a - c);
      const xr = er + or * rotRe[k] - oi * rotIm[k];
      const xi = ei + or * rotIm[k] + oi * rotRe[k];
      power[k] = xr * xr + xi * xi;
    }
  }
}
