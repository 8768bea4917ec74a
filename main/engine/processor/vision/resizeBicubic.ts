/**
 * Bicubic resampling of 8-bit RGB exactly as Pillow's `Image.resize(size, Image.BICUBIC)` (src/libImaging/Resample.c),
 * which is what transformers' PIL backend runs: a separable convolution whose support widens with the downscale factor
 * (so downscaling is antialiased), Keys' cubic with a = -0.5, weights rounded to 22-bit fixed point, a horizontal pass
 * into an intermediate 8-bit image, then a vertical pass. Every rounding step is Pillow's, so the output is bit-exact.
 */

const PRECISION_BITS = 22;
const HALF = 1 << (PRECISION_BITS - 1);
const CUBIC_SUPPORT = 2;

function bicubic(x: number): number {
  const a = -0.5;
  if (x < 0) x = -x;
  if (x < 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return (((x - 5) * x + 8) * x - 4) * a;
  return 0;
}

/** Per output sample: first source index, tap count, and `ksize` fixed-point weights (Pillow's precompute_coeffs). */
interface Coefficients {
  ksize: number;
  start: Int32Array;
  taps: Int32Array;
  weights: Int32Array;
}

function coefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = CUBIC_SUPPORT * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const taps = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const raw = new Float64Array(ksize);
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    const ss = 1 / filterScale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(0, Math.trunc(center - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(center + support + 0.5)) - xmin;
    let sum = 0;
    for (let x = 0; x < xmax; x++) {
      raw[x] = bicubic((x + xmin - center + 0.5) * ss);
      sum += raw[x];
    }
    for (let x = 0; x < xmax; x++) {
      const w = sum !== 0 ? raw[x] / sum : raw[x];
      weights[xx * ksize + x] = Math.trunc(w < 0 ? -0.5 + w * (1 << PRECISION_BITS) : 0.5 + w * (1 << PRECISION_BITS));
    }
    start[xx] = xmin;
    taps[xx] = xmax;
  }
  return { ksize, start, taps, weights };
}

function clip8(acc: number): number {
  const v = acc >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

function horizontal(src: Uint8Array, srcWidth: number, rows: number, firstRow: number, outWidth: number, c: Coefficients): Uint8Array {
  const out = new Uint8Array(outWidth * rows * 3);
  const { ksize, start, taps, weights } = c;
  for (let y = 0; y < rows; y++) {
    const rowBase = (y + firstRow) * srcWidth * 3;
    let o = y * outWidth * 3;
    for (let xx = 0; xx < outWidth; xx++) {
      const n = taps[xx];
      const kBase = xx * ksize;
      let p = rowBase + start[xx] * 3;
      let r = HALF;
      let g = HALF;
      let b = HALF;
      for (let x = 0; x < n; x++, p += 3) {
        const k = weights[kBase + x];
        r += src[p] * k;
        g += src[p + 1] * k;
        b += src[p + 2] * k;
      }
      out[o++] = clip8(r);
      out[o++] = clip8(g);
      out[o++] = clip8(b);
    }
  }
  return out;
}

function vertical(src: Uint8Array, width: number, rowOffset: number, outHeight: number, c: Coefficients): Uint8Array {
  const stride = width * 3;
  const out = new Uint8Array(stride * outHeight);
  const { ksize, start, taps, weights } = c;
  const acc = new Int32Array(stride);
  for (let yy = 0; yy < outHeight; yy++) {
    // Taps go four at a time (missing ones repeat the last row with weight 0): V8 keeps the unrolled sum in registers,
    // and the sums are Pillow's integers in another order (every partial sum is bounded as Pillow's are).
    const n = taps[yy];
    const groups = Math.ceil(n / 4);
    const o = yy * stride;
    for (let g = 0; g < groups; g++) {
      const tap = (t: number) => Math.min(g * 4 + t, n - 1);
      const weight = (t: number) => (g * 4 + t < n ? weights[yy * ksize + g * 4 + t] : 0);
      const [r0, r1, r2, r3] = [0, 1, 2, 3].map((t) => (start[yy] - rowOffset + tap(t)) * stride);
      const [k0, k1, k2, k3] = [0, 1, 2, 3].map(weight);
      const first = g === 0;
      if (groups === 1) {
        for (let i = 0; i < stride; i++) out[o + i] = clip8(HALF + src[r0 + i] * k0 + src[r1 + i] * k1 + src[r2 + i] * k2 + src[r3 + i] * k3);
      } else if (g < groups - 1) {
        for (let i = 0; i < stride; i++) acc[i] = (first ? HALF : acc[i]) + src[r0 + i] * k0 + src[r1 + i] * k1 + src[r2 + i] * k2 + src[r3 + i] * k3;
      } else {
        for (let i = 0; i < stride; i++) out[o + i] = clip8(acc[i] + src[r0 + i] * k0 + src[r1 + i] * k1 + src[r2 + i] * k2 + src[r3 + i] * k3);
      }
    }
  }
  return out;
}

/** Resizes interleaved RGB (`width`·`height`·3 bytes) to `outWidth`×`outHeight`; an unchanged size returns `src`. */
export function resizeBicubic(src: Uint8Array, width: number, height: number, outWidth: number, outHeight: number): Uint8Array {
  if (src.length !== width * height * 3) throw new RangeError(`expected ${width}x${height} RGB, got ${src.length} bytes`);
  const needHorizontal = outWidth !== width;
  const needVertical = outHeight !== height;
  if (!needHorizontal && !needVertical) return src;
  const vert = coefficients(height, outHeight);
  if (!needHorizontal) return vertical(src, width, 0, outHeight, vert);
  // Like Pillow, only the source rows the vertical pass will read go through the horizontal pass.
  const firstRow = vert.start[0];
  const lastRow = vert.start[outHeight - 1] + vert.taps[outHeight - 1];
  const rows = needVertical ? lastRow - firstRow : height;
  const temp = horizontal(src, width, rows, needVertical ? firstRow : 0, outWidth, coefficients(width, outWidth));
  return needVertical ? vertical(temp, outWidth, firstRow, outHeight, vert) : temp;
}
