/**
 * One image → the vision encoder's input, as transformers' Qwen2VLImageProcessor (PIL backend) computes it:
 * decode, smart_resize to multiples of 32 within min/max pixels, Pillow bicubic, rescale + normalise, and the image
 * repeated along time into one temporal group of patches (qwen3-omni.md §4).
 */
import type { ImageProcessorConfig } from '../config';
import { decodeImage } from './decodeImage';
import { targetFrameSize } from './frameSize';
import { normalizationTable } from './normalize';
import { type Patches, patchify } from './patchify';
import { resizeBicubic } from './resizeBicubic';
import { visionSettings } from './visionConfig';

export interface ImageOptions {
  /** Name used in error messages; defaults to the path, or "image" for bytes. */
  name?: string;
  /** Decode bound: larger images are downscaled while decoding (see decodeImage). */
  maxDecodedPixels?: number;
}

/** `pixelValues` is [gridT·gridH·gridW, 3·temporal·patch²] row-major; `gridThw` = [1, H/patch, W/patch]. */
export async function processImage(input: string | Uint8Array, config: ImageProcessorConfig, options: ImageOptions = {}): Promise<Patches> {
  const settings = visionSettings(config);
  const name = options.name ?? (typeof input === 'string' ? input : 'image');
  const image = await decodeImage(input, { name, maxDecodedPixels: options.maxDecodedPixels });
  const [height, width] = targetFrameSize(name, 'IMAGE_DECODE_FAILED', image.sourceWidth, image.sourceHeight, settings, settings);
  const pixels = resizeBicubic(image.data, image.width, image.height, width, height);
  return patchify([pixels], width, height, normalizationTable(settings.normalization, false), settings.geometry);
}
