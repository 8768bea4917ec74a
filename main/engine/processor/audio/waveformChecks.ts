/**
 * What makes a waveform unusable for the model, as errors that name the audio and say what is wrong with it —
 * instead of NaN features, a reflect-padding crash or a context overflow far downstream.
 */
import { OmniError } from '../../errors';

export interface WaveformLimits {
  /** What the user calls the audio: its file name, or "microphone audio". */
  name: string;
  sampleRate: number;
  /** Fewest samples the log-mel accepts (reflect padding needs more than n_fft/2). */
  minSamples?: number;
  /** Longest audio the model's context can take, in seconds. */
  maxSeconds?: number;
}

export function checkWaveform(samples: Float32Array, limits: WaveformLimits): void {
  const { name, sampleRate, minSamples = 1, maxSeconds } = limits;
  if (samples.length === 0) throw new OmniError('AUDIO_DECODE_FAILED', `${name}: the audio is empty (0 samples)`);
  checkDuration(name, samples.length / sampleRate, maxSeconds);
  if (samples.length < minSamples) {
    throw new OmniError(
      'AUDIO_DECODE_FAILED',
      `${name}: ${formatSeconds(samples.length / sampleRate)} (${samples.length} samples at ${sampleRate} Hz) is too short; ` +
        `at least ${minSamples} samples (${formatSeconds(minSamples / sampleRate)}) are needed`,
    );
  }
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) {
      throw new OmniError(
        'AUDIO_DECODE_FAILED',
        `${name}: sample ${i} (at ${formatSeconds(i / sampleRate)}) is ${samples[i]}; the audio must hold finite numbers`,
      );
    }
  }
}

/**
 * Rejects audio longer than `maxSeconds` — callable from a header or probe, before anything is decoded.
 * `lowerBound`: decoding stopped at `seconds`, the audio may be longer still.
 */
export function checkDuration(name: string, seconds: number, maxSeconds: number | undefined, lowerBound = false): void {
  if (maxSeconds !== undefined && seconds > maxSeconds) {
    throw new OmniError(
      'AUDIO_DECODE_FAILED',
      `${name}: the audio is ${lowerBound ? 'at least ' : ''}${formatSeconds(seconds)} long, more than the ${formatSeconds(maxSeconds)} the model's context allows`,
      'Trim the recording or split it into shorter parts.',
    );
  }
}

function formatSeconds(seconds: number): string {
  if (seconds < 1) return `${+(seconds * 1000).toFixed(2)} ms`;
  if (seconds < 120) return `${+seconds.toFixed(2)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${+(seconds - minutes * 60).toFixed(1)} s`;
}
