/** The size an image or video frame is resampled to, with the shapes transformers refuses turned into errors. */
import { OmniError } from '../../errors';
import { aspectRatio, MAX_ASPECT_RATIO, smartResize } from './smartResize';
import type { VisionSettings } from './visionConfig';

export type MediaErrorCode = 'IMAGE_DECODE_FAILED' | 'VIDEO_DECODE_FAILED';

export interface FrameBounds {
  minPixels: number;
  maxPixels: number;
}

/** [height, width] for a `width`×`height` source; `subject` names the file in errors. */
export function targetFrameSize(subject: string, code: MediaErrorCode, width: number, height: number, settings: VisionSettings, bounds: FrameBounds): [number, number] {
  const fail = (problem: string) => new OmniError(code, `${subject}: ${problem}`);
  // transformers would upscale a single pixel to 64x64; it carries no picture, so it is refused as the issue asks.
  if (width * height <= 1) throw fail(`a 1x1 ${code === 'IMAGE_DECODE_FAILED' ? 'image' : 'video'} is too small to show anything`);
  const ratio = aspectRatio(height, width);
  if (ratio > MAX_ASPECT_RATIO) {
    throw fail(`${width}x${height} has an aspect ratio of ${ratio.toFixed(1)}, above the ${MAX_ASPECT_RATIO} the model accepts`);
  }
  if (!settings.resize) {
    if (width % settings.factor !== 0 || height % settings.factor !== 0) {
      throw fail(`${width}x${height} is not a multiple of ${settings.factor} and do_resize is off in the preprocessor config`);
    }
    return [height, width];
  }
  return smartResize(height, width, { factor: settings.factor, ...bounds });
}
