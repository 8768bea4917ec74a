/**
 * The audio half of a checkpoint's preprocessor_config.json (WhisperFeatureExtractor), read and checked once.
 * Only what the computation depends on is taken; settings this implementation cannot reproduce are refused, not
 * ignored, so a checkpoint that needs them fails loudly instead of producing subtly different features.
 */
import { OmniError } from '../../errors';

export interface AudioFeatureConfig {
  /** Mel bins (128 for Qwen3-Omni). */
  featureSize: number;
  samplingRate: number;
  nFft: number;
  hopLength: number;
  /** Value the shorter waveforms of a batch are right-padded with. */
  paddingValue: number;
  /** Must be 0 (or absent): dither adds random noise, which no implementation can reproduce. */
  dither?: number;
}

/** The settings from the parsed JSON file, or checked as they are when already read (e.g. by the processor). */
export function audioFeatureConfig(
  source: Record<string, unknown> | AudioFeatureConfig,
  file = 'preprocessor_config.json',
): AudioFeatureConfig {
  const fail = (problem: string) => new OmniError('CHECKPOINT_INVALID', `${file}: ${problem}`);
  const checkDither = (dither: unknown) => {
    if (dither !== undefined && dither !== 0) throw fail(`"dither" ${JSON.stringify(dither)} is not supported (only 0)`);
  };
  if (isParsed(source)) {
    checkDither(source.dither);
    return source;
  }
  const json = source;
  const positiveInteger = (key: string): number => {
    const value = json[key];
    if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
      throw fail(`"${key}" must be a positive integer (found ${JSON.stringify(value)})`);
    }
    return value;
  };
  const type = json.feature_extractor_type;
  if (type !== undefined && type !== 'WhisperFeatureExtractor') {
    throw fail(`feature extractor ${JSON.stringify(type)} is not supported (only WhisperFeatureExtractor)`);
  }
  // `do_normalize` in the same file belongs to the image processor: Whisper takes it only as a call argument, which
  // the Qwen3-Omni processor never passes.
  checkDither(json.dither);
  const paddingValue = json.padding_value ?? 0;
  if (typeof paddingValue !== 'number') throw fail(`"padding_value" must be a number (found ${JSON.stringify(paddingValue)})`);
  const config = {
    featureSize: positiveInteger('feature_size'),
    samplingRate: positiveInteger('sampling_rate'),
    nFft: positiveInteger('n_fft'),
    hopLength: positiveInteger('hop_length'),
    paddingValue,
  };
  if (config.nFft % 2 !== 0) throw fail(`"n_fft" ${config.nFft} must be even`);
  return config;
}

function isParsed(source: Record<string, unknown> | AudioFeatureConfig): source is AudioFeatureConfig {
  return typeof source.featureSize === 'number';
}
