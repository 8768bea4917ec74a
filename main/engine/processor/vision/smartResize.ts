/**
 * smart_resize of transformers' Qwen2-VL processors (qwen3-omni.md §4.1): the size an image or video frame is
 * resampled to so that both sides are multiples of `factor` (patch · merge = 32) and the area stays within bounds.
 */

/** transformers refuses more extreme shapes; the processors turn this into an error naming the file. */
export const MAX_ASPECT_RATIO = 200;

export function aspectRatio(height: number, width: number): number {
  return Math.max(height, width) / Math.min(height, width);
}

/** Python's round(): ties go to the even neighbour (round(2.5) = 2), unlike Math.round. */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

export interface PixelBounds {
  factor: number;
  minPixels: number;
  maxPixels: number;
}

/** [height, width] after resizing. Throws RangeError above MAX_ASPECT_RATIO, as transformers does. */
export function smartResize(height: number, width: number, { factor, minPixels, maxPixels }: PixelBounds): [number, number] {
  const ratio = aspectRatio(height, width);
  if (!(ratio <= MAX_ASPECT_RATIO)) {
    throw new RangeError(`absolute aspect ratio must be smaller than ${MAX_ASPECT_RATIO}, got ${ratio}`);
  }
  // The expression order follows transformers exactly: the float results decide the rounding.
  let h = roundHalfEven(height / factor) * factor;
  let w = roundHalfEven(width / factor) * factor;
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.max(factor, Math.floor(height / beta / factor) * factor);
    w = Math.max(factor, Math.floor(width / beta / factor) * factor);
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / factor) * factor;
    w = Math.ceil((width * beta) / factor) * factor;
  }
  return [h, w];
}
