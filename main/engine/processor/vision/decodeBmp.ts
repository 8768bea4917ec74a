/**
 * BMP → RGB, following Pillow's BmpImagePlugin (libvips, and so sharp, has no BMP loader). Covers what Pillow
 * opens: OS/2 and Windows v3–v5 headers, 1/4/8-bit palettes, 16-bit 5-5-5 and 5-6-5, 24-bit, 32-bit with or without
 * bitfields, RLE8/RLE4, bottom-up and top-down rows. Alpha is dropped, as `.convert("RGB")` does.
 */

export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
}

const HEADER_SIZES = new Set([12, 40, 52, 56, 64, 108, 124]);
const RAW = 0;
const RLE8 = 1;
const RLE4 = 2;
const BITFIELDS = 3;

export function isBmp(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x42 && bytes[1] === 0x4d;
}

class BmpError extends Error {}

/** `maxPixels` is checked before anything is allocated. Throws Error with the problem on malformed input. */
export function decodeBmp(bytes: Uint8Array, maxPixels: number): RgbImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (end: number) => {
    if (end > bytes.length) throw new BmpError('truncated BMP file');
  };
  need(18);
  const pixelOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  if (!HEADER_SIZES.has(headerSize)) throw new BmpError(`unsupported BMP header type (${headerSize})`);
  need(14 + headerSize);
  let width: number;
  let height: number;
  let bits: number;
  let compression = RAW;
  let colours = 0;
  let topDown = false;
  let masks: number[] | undefined;
  let afterHeader = 14 + headerSize;
  if (headerSize === 12) {
    width = view.getUint16(18, true);
    height = view.getUint16(20, true);
    bits = view.getUint16(24, true);
  } else {
    width = view.getInt32(18, true);
    const rawHeight = view.getInt32(22, true);
    topDown = rawHeight < 0;
    height = Math.abs(rawHeight);
    bits = view.getUint16(28, true);
    compression = view.getUint32(30, true);
    colours = view.getUint32(46, true);
    if (compression === BITFIELDS) {
      // v2+ headers carry the masks; a 40-byte header is followed by three of them.
      const at = headerSize >= 52 ? 54 : afterHeader;
      const count = headerSize >= 56 ? 4 : 3;
      need(at + 12);
      masks = Array.from({ length: count }, (_, i) => view.getUint32(at + 4 * i, true));
      if (headerSize < 52) afterHeader += 12;
    }
  }
  if (width <= 0 || height <= 0) throw new BmpError(`invalid BMP size ${width}x${height}`);
  if (width * height > maxPixels) throw new BmpError(`image is ${width}x${height}, more than ${maxPixels} pixels`);
  if (![1, 4, 8, 16, 24, 32].includes(bits)) throw new BmpError(`unsupported BMP pixel depth (${bits})`);
  if (![RAW, RLE8, RLE4, BITFIELDS].includes(compression)) throw new BmpError(`unsupported BMP compression (${compression})`);

  let palette: Uint8Array | undefined;
  let dataOffset = pixelOffset;
  if (bits <= 8) {
    const entry = headerSize === 12 ? 3 : 4;
    if (colours === 0) colours = 1 << bits;
    if (colours > 65536) throw new BmpError(`unsupported BMP palette size (${colours})`);
    // Pillow reads the palette with a plain read(): entries the file does not hold are simply missing.
    const available = Math.floor(Math.max(0, bytes.length - afterHeader) / entry);
    palette = new Uint8Array(256 * 3);
    for (let i = 0; i < Math.min(colours, available, 256); i++) {
      const p = afterHeader + i * entry;
      palette.set([bytes[p + 2], bytes[p + 1], bytes[p]], i * 3);
    }
    // Pillow's rule: an offset pointing right behind the header means "the palette comes first".
    if (pixelOffset === afterHeader) dataOffset += entry * colours;
  }

  const out = new Uint8Array(width * height * 3);
  const rowOf = (y: number) => (topDown ? y : height - 1 - y);
  if (compression === RLE8 || compression === RLE4) {
    const indices = decodeRle(bytes, dataOffset, width, height, compression === RLE4);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = indices[y * width + x] * 3;
        out.set(palette!.subarray(i, i + 3), (rowOf(y) * width + x) * 3);
      }
    }
    return { data: out, width, height };
  }

  const stride = ((width * bits + 31) >> 3) & ~3;
  need(dataOffset + stride * height);
  const pixel = pixelReader(bits, masks, palette, view);
  for (let y = 0; y < height; y++) {
    const row = dataOffset + y * stride;
    let o = rowOf(y) * width * 3;
    for (let x = 0; x < width; x++, o += 3) pixel(row, x, out, o);
  }
  return { data: out, width, height };
}

type PixelReader = (row: number, x: number, out: Uint8Array, o: number) => void;

function pixelReader(bits: number, masks: number[] | undefined, palette: Uint8Array | undefined, view: DataView): PixelReader {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  if (palette) {
    const perByte = 8 / bits;
    const mask = (1 << bits) - 1;
    return (row, x, out, o) => {
      const shift = 8 - bits * ((x % perByte) + 1);
      const i = ((bytes[row + Math.floor(x / perByte)] >> shift) & mask) * 3;
      out[o] = palette[i];
      out[o + 1] = palette[i + 1];
      out[o + 2] = palette[i + 2];
    };
  }
  if (bits === 16) {
    // Pillow's BGR;16 and BGR;15 unpackers widen with integer v·255/max.
    const is565 = masks !== undefined && masks[0] === 0xf800 && masks[1] === 0x7e0 && masks[2] === 0x1f;
    if (masks !== undefined && !is565 && !(masks[0] === 0x7c00 && masks[1] === 0x3e0 && masks[2] === 0x1f)) {
      throw new BmpError('unsupported BMP bitfields layout');
    }
    const widen = (v: number, max: number) => Math.floor((v * 255) / max);
    return (row, x, out, o) => {
      const v = view.getUint16(row + 2 * x, true);
      out[o] = is565 ? widen((v >> 11) & 31, 31) : widen((v >> 10) & 31, 31);
      out[o + 1] = is565 ? widen((v >> 5) & 63, 63) : widen((v >> 5) & 31, 31);
      out[o + 2] = widen(v & 31, 31);
    };
  }
  const size = bits / 8;
  const [r, g, b] = byteLanes(bits, masks);
  return (row, x, out, o) => {
    const p = row + x * size;
    out[o] = bytes[p + r];
    out[o + 1] = bytes[p + g];
    out[o + 2] = bytes[p + b];
  };
}

/** Byte positions of R, G, B in a 24/32-bit little-endian pixel; Pillow accepts only byte-aligned masks. */
function byteLanes(bits: number, masks: number[] | undefined): [number, number, number] {
  if (masks === undefined || masks.slice(0, 3).every((m) => m === 0)) return [2, 1, 0];
  const lane = (mask: number) => [0xff, 0xff00, 0xff0000, 0xff000000].indexOf(mask >>> 0);
  const lanes = masks.slice(0, 3).map(lane);
  if (lanes.some((l) => l < 0 || l >= bits / 8)) throw new BmpError('unsupported BMP bitfields layout');
  return [lanes[0], lanes[1], lanes[2]];
}

/**
 * Palette indices in stored row order; Pillow's BmpRleDecoder step by step. Skipped pixels are index 0; data that
 * ends before every pixel is written is an error, as Pillow's "not enough image data".
 */
function decodeRle(bytes: Uint8Array, offset: number, width: number, height: number, rle4: boolean): Uint8Array {
  const total = width * height;
  const out = new Uint8Array(total);
  let n = 0;
  let x = 0;
  let p = offset;
  while (n < total && p + 1 < bytes.length) {
    const count = bytes[p];
    const value = bytes[p + 1];
    p += 2;
    if (count > 0) {
      const run = Math.min(count, Math.max(0, width - x));
      for (let i = 0; i < run && n < total; i++) out[n++] = rle4 ? (i % 2 === 0 ? value >> 4 : value & 15) : value;
      x += run;
    } else if (value === 0) {
      n = Math.min(total, Math.ceil(n / width) * width);
      x = 0;
    } else if (value === 1) {
      break;
    } else if (value === 2) {
      if (p + 1 >= bytes.length) break;
      n = Math.min(total, n + bytes[p] + bytes[p + 1] * width);
      p += 2;
      x = n % width;
    } else {
      // Absolute mode. Pillow reads value/2 bytes for RLE4 (an odd count loses its last pixel) and pads to a word.
      const byteCount = rle4 ? value >> 1 : value;
      const available = Math.min(byteCount, bytes.length - p);
      for (let i = 0; i < available; i++) {
        const b = bytes[p + i];
        if (rle4) {
          if (n < total) out[n++] = b >> 4;
          if (n < total) out[n++] = b & 15;
        } else if (n < total) out[n++] = b;
      }
      p += available;
      if (available < byteCount) break;
      x += value;
      if (p % 2 !== 0) p++;
    }
  }
  if (n < total) throw new BmpError('truncated BMP RLE data');
  return out;
}
