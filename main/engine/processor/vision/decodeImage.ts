/**
 * Image file → 8-bit RGB as transformers' `load_image` sees it: Pillow opens the file, `ImageOps.exif_transpose`
 * applies the EXIF orientation, `.convert("RGB")` drops alpha (no compositing: transparent pixels keep their stored
 * colour), expands grayscale and palettes, and ignores ICC profiles. PNG, JPEG, WebP, GIF (first frame) and TIFF go
 * through sharp (libvips), whose output equals Pillow's for these byte for byte; BMP has its own decoder.
 */
import { readFile } from 'node:fs/promises';
import sharp, { type SharpOptions } from 'sharp';
import { OmniError } from '../../errors';
import { decodeBmp, isBmp, type RgbImage } from './decodeBmp';
import { gifTransparentColour } from './gifTransparency';

/** Refused outright: sharp's own default limit (16383²), far beyond any screenshot or photo. */
export const MAX_INPUT_PIXELS = 0x3fff * 0x3fff;

/** Above this the image is downscaled while decoding (JPEG and WebP shrink on load), bounding memory at ~150 MB. */
export const DEFAULT_MAX_DECODED_PIXELS = 50_000_000;

const SHARP_FORMATS = new Set(['jpeg', 'png', 'webp', 'gif', 'tiff']);

export interface DecodedImage extends RgbImage {
  /** Size after EXIF orientation, before any downscaling on decode: what smart_resize must see. */
  sourceWidth: number;
  sourceHeight: number;
}

export interface DecodeOptions {
  /** Name used in error messages; defaults to the path, or "image" for bytes. */
  name?: string;
  maxDecodedPixels?: number;
}

export async function decodeImage(input: string | Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const name = options.name ?? (typeof input === 'string' ? input : 'image');
  const fail = (problem: string) => new OmniError('IMAGE_DECODE_FAILED', `${name}: ${problem}`);
  let bytes: Uint8Array;
  try {
    bytes = typeof input === 'string' ? await readFile(input) : input;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw fail(code === 'ENOENT' ? 'no such file' : `cannot read (${(error as Error).message})`);
  }
  if (bytes.length === 0) throw fail('empty file');
  try {
    if (isBmp(bytes)) {
      const image = decodeBmp(bytes, MAX_INPUT_PIXELS);
      return { ...image, sourceWidth: image.width, sourceHeight: image.height };
    }
    return await decodeWithSharp(bytes, options.maxDecodedPixels ?? DEFAULT_MAX_DECODED_PIXELS, fail);
  } catch (error) {
    if (error instanceof OmniError) throw error;
    throw fail(describe(error));
  }
}

async function decodeWithSharp(bytes: Uint8Array, maxDecodedPixels: number, fail: (problem: string) => OmniError): Promise<DecodedImage> {
  const options: SharpOptions = { ignoreIcc: true, autoOrient: true, limitInputPixels: MAX_INPUT_PIXELS };
  // The size check below gives the better message; metadata reads only the header.
  const meta = await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
  if (!SHARP_FORMATS.has(meta.format)) throw fail(`unsupported image format (${meta.format})`);
  const { width: sourceWidth, height: sourceHeight } = meta.autoOrient;
  if (sourceWidth * sourceHeight > MAX_INPUT_PIXELS) {
    throw fail(`image is ${sourceWidth}x${sourceHeight}, more than the ${MAX_INPUT_PIXELS} pixels this app decodes`);
  }
  let pipeline = sharp(bytes, options);
  const scale = Math.sqrt(maxDecodedPixels / (sourceWidth * sourceHeight));
  if (scale < 1) {
    const width = Math.max(1, Math.floor(sourceWidth * scale));
    const height = Math.max(1, Math.floor(sourceHeight * scale));
    pipeline = pipeline.resize(width, height, { fit: 'fill', kernel: 'cubic' });
  }
  const gifColour = meta.format === 'gif' ? gifTransparentColour(bytes) : undefined;
  if (!gifColour) pipeline = pipeline.removeAlpha();
  const { data, info } = await pipeline.toColourspace('srgb').raw({ depth: 'uchar' }).toBuffer({ resolveWithObject: true });
  const rgb = info.channels === 4 ? dropAlpha(data, gifColour) : new Uint8Array(data.buffer, data.byteOffset, data.length);
  return { data: rgb, width: info.width, height: info.height, sourceWidth, sourceHeight };
}

function dropAlpha(rgba: Uint8Array, transparentColour: [number, number, number] | undefined): Uint8Array {
  const pixels = rgba.length / 4;
  const rgb = new Uint8Array(pixels * 3);
  for (let i = 0; i < pixels; i++) {
    const cleared = transparentColour !== undefined && rgba[i * 4 + 3] === 0;
    for (let c = 0; c < 3; c++) rgb[i * 3 + c] = cleared ? transparentColour[c] : rgba[i * 4 + c];
  }
  return rgb;
}

/** libvips messages start with the loader's name and end with a newline; keep the first line only. */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split('\n').find((l) => l.trim()) ?? message;
  if (/unsupported image format/i.test(line)) return 'not an image file, or a format that is not supported';
  return `cannot decode (${line.trim()})`;
}
