/**
 * The processor's audio outputs for one prompt, as `WhisperFeatureExtractor(audios, padding=True, truncation=False,
 * return_attention_mask=True)` returns them inside Qwen3OmniMoeProcessor: every waveform right-padded to the
 * longest, log-mel of each padded waveform, and a per-frame mask of the valid frames.
 */
import { type AudioFeatureConfig, audioFeatureConfig } from './featureConfig';
import { LogMelSpectrogram } from './logMel';
import { checkWaveform } from './waveformChecks';

export interface AudioFeatures {
  /** [n × featureSize × maxFrames], float32. */
  inputFeatures: Float32Array;
  /** [n × maxFrames]: 1 for the frames of each audio, 0 for its padding. */
  featureAttentionMask: Int32Array;
  /** Valid frames per audio (the mask's row sums): what the audio token count is computed from. */
  frames: number[];
  maxFrames: number;
  featureSize: number;
}

export interface ExtractOptions {
  /** What errors call each waveform (its file name); "audio 1", "audio 2", … otherwise. */
  names?: string[];
}

const spectrograms = new Map<string, LogMelSpectrogram>();

/**
 * `preprocessorConfig`: the checkpoint's preprocessor_config.json as parsed JSON, or its settings already read.
 * Waveforms are mono at its sampling rate.
 */
export function extractAudioFeatures(
  waveforms: Float32Array[],
  preprocessorConfig: Record<string, unknown> | AudioFeatureConfig,
  options: ExtractOptions = {},
): AudioFeatures {
  const config = audioFeatureConfig(preprocessorConfig);
  const spectrogram = spectrogramFor(config);
  // Each waveform must outlast the reflect padding on its own. transformers only needs the padded batch to (a lone
  // short clip fails inside torch.stft), but ≤ 12.5 ms holds no speech, and one rule for alone and batched is clearer.
  waveforms.forEach((waveform, i) =>
    checkWaveform(waveform, { name: options.names?.[i] ?? `audio ${i + 1}`, sampleRate: config.samplingRate, minSamples: spectrogram.minSamples }),
  );
  const longest = Math.max(0, ...waveforms.map((w) => w.length));
  const maxFrames = spectrogram.frameCount(longest);
  const { featureSize, hopLength, paddingValue } = config;
  const inputFeatures = new Float32Array(waveforms.length * featureSize * maxFrames);
  const featureAttentionMask = new Int32Array(waveforms.length * maxFrames);
  const frames = waveforms.map((waveform, i) => {
    const padded = waveform.length === longest ? waveform : rightPad(waveform, longest, paddingValue);
    spectrogram.compute(padded, inputFeatures.subarray(i * featureSize * maxFrames, (i + 1) * featureSize * maxFrames));
    // The sample mask taken every hop samples, trimmed to the frame count: ⌈n/hop⌉ frames, at most maxFrames.
    const valid = Math.min(Math.ceil(waveform.length / hopLength), maxFrames);
    featureAttentionMask.fill(1, i * maxFrames, i * maxFrames + valid);
    return valid;
  });
  return { inputFeatures, featureAttentionMask, frames, maxFrames, featureSize };
}

function spectrogramFor(config: AudioFeatureConfig): LogMelSpectrogram {
  const key = `${config.featureSize}/${config.samplingRate}/${config.nFft}/${config.hopLength}`;
  let spectrogram = spectrograms.get(key);
  if (!spectrogram) {
    spectrogram = new LogMelSpectrogram(config);
    spectrograms.set(key, spectrogram);
  }
  return spectrogram;
}

function rightPad(waveform: Float32Array, length: number, value: number): Float32Array {
  const padded = new Float32Array(length).fill(value, waveform.length);
  padded.set(waveform);
  return padded;
}
