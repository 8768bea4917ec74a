/**
 * What the image and video processors need from `preprocessor_config.json` (parsed by ../config.ts), checked for
 * the combinations this implementation supports. Errors name the file's field.
 */
import { OmniError } from '../../errors';
import type { ImageProcessorConfig } from '../config';
import type { NormalizationParams } from './normalize';
import type { PatchGeometry } from './patchify';

export interface VisionSettings {
  geometry: PatchGeometry;
  /** patch · merge: both sides of a resized image are multiples of it. */
  factor: number;
  minPixels: number;
  maxPixels: number;
  resize: boolean;
  normalization: NormalizationParams;
}

export function visionSettings(config: ImageProcessorConfig): VisionSettings {
  const positiveInt = (field: string, value: number) => {
    if (!Number.isInteger(value) || value <= 0) throw invalid(`${field} must be a positive integer, got ${value}`);
  };
  positiveInt('patch_size', config.patchSize);
  positiveInt('merge_size', config.mergeSize);
  positiveInt('temporal_patch_size', config.temporalPatchSize);
  positiveInt('min_pixels', config.minPixels);
  positiveInt('max_pixels', config.maxPixels);
  if (config.minPixels > config.maxPixels) throw invalid(`min_pixels ${config.minPixels} exceeds max_pixels ${config.maxPixels}`);
  for (const [field, values] of [['image_mean', config.imageMean], ['image_std', config.imageStd]] as const) {
    if (values.length !== 3 || !values.every(Number.isFinite)) throw invalid(`${field} must be 3 finite numbers`);
  }
  if (config.imageStd.some((s) => s === 0)) throw invalid('image_std must not contain 0');
  if (!(config.rescaleFactor > 0 && Number.isFinite(config.rescaleFactor))) throw invalid('rescale_factor must be a positive number');
  // Only what the Qwen checkpoints use is implemented; anything else would silently give the model other pixels.
  if (config.resample !== 3) throw invalid(`resample ${config.resample} is not supported (only 3, bicubic)`);
  if (!config.doConvertRgb) throw invalid('do_convert_rgb false is not supported (the vision encoder takes RGB)');
  return {
    geometry: { patchSize: config.patchSize, mergeSize: config.mergeSize, temporalPatchSize: config.temporalPatchSize },
    factor: config.patchSize * config.mergeSize,
    minPixels: config.minPixels,
    maxPixels: config.maxPixels,
    resize: config.doResize,
    normalization: {
      rescaleFactor: config.doRescale ? config.rescaleFactor : 1,
      mean: config.doNormalize ? config.imageMean : [0, 0, 0],
      std: config.doNormalize ? config.imageStd : [1, 1, 1],
    },
  };
}

function invalid(problem: string): OmniError {
  return new OmniError('CHECKPOINT_INVALID', `preprocessor_config.json: ${problem}`);
}
