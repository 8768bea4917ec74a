/**
 * Whisper's log-mel spectrogram, as transformers' WhisperFeatureExtractor computes it (torch path): periodic Hann
 * window, STFT centred with reflect padding of n_fft/2, power spectrum, last frame dropped, Slaney mel filters,
 * log10 floored at 1e-10, clamped to (max − 8) over the whole utterance, then (x + 4) / 4. Float64 inside, float32
 * out; no 30-second padding or truncation — the frame count follows the waveform.
 */
import type { AudioFeatureConfig } from './featureConfig';
import { RealPowerSpectrum } from './fft';
import { type SparseFilterBank, slaneyMelFilterBank, sparseFilterBank } from './melFilterBank';

const LOG_FLOOR = 1e-10;
const DYNAMIC_RANGE = 8;

export class LogMelSpectrogram {
  readonly mels: number;
  private readonly hop: number;
  private readonly nFft: number;
  private readonly window: Float64Array;
  private readonly spectrum: RealPowerSpectrum;
  private readonly filters: SparseFilterBank;
  private readonly frame: Float64Array;
  private readonly power: Float64Array;

  constructor(config: AudioFeatureConfig) {
    this.mels = config.featureSize;
    this.hop = config.hopLength;
    this.nFft = config.nFft;
    // Periodic Hann (torch.hann_window's default): the window of an n_fft + 1 point symmetric one, minus its last point.
    this.window = Float64Array.from({ length: this.nFft }, (_, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / this.nFft));
    this.spectrum = new RealPowerSpectrum(this.nFft);
    const bins = this.spectrum.bins;
    this.filters = sparseFilterBank(slaneyMelFilterBank({ bins, mels: this.mels, sampleRate: config.samplingRate }), bins, this.mels);
    this.frame = new Float64Array(this.nFft);
    this.power = new Float64Array(bins);
  }

  /** STFT frames 1 + ⌊n/hop⌋, less the last one, which Whisper drops. */
  frameCount(samples: number): number {
    return Math.floor(samples / this.hop);
  }

  /** Fewest samples the reflect padding accepts (torch requires padding < length). */
  get minSamples(): number {
    return this.nFft / 2 + 1;
  }

  /** Features [mels × frames] of `waveform` (at least `minSamples` long), written to `out` when given. */
  compute(waveform: Float32Array, out = new Float32Array(this.mels * this.frameCount(waveform.length))): Float32Array {
    if (waveform.length < this.minSamples) {
      throw new RangeError(`log-mel needs at least ${this.minSamples} samples (got ${waveform.length})`);
    }
    const frames = this.frameCount(waveform.length);
    const { mels, frame, power, window, nFft, hop } = this;
    const { firstBin, offset, weights } = this.filters;
    const pad = nFft / 2;
    const last = waveform.length - 1;
    let max = -Infinity;
    for (let f = 0; f < frames; f++) {
      const start = f * hop - pad;
      if (start >= 0 && start + nFft <= waveform.length) {
        for (let i = 0; i < nFft; i++) frame[i] = waveform[start + i] * window[i];
      } else {
        for (let i = 0; i < nFft; i++) {
          const at = start + i;
          frame[i] = waveform[at < 0 ? -at : at > last ? 2 * last - at : at] * window[i];
        }
      }
      this.spectrum.compute(frame, power);
      for (let m = 0; m < mels; m++) {
        let energy = 0;
        for (let w = offset[m], k = firstBin[m]; w < offset[m + 1]; w++, k++) energy += weights[w] * power[k];
        // ln(x)·log10(e) rather than Math.log10(x): faster in V8, and equal once rounded to float32.
        const value = Math.log(energy > LOG_FLOOR ? energy : LOG_FLOOR) * Math.LOG10E;
        out[m * frames + f] = value;
        if (value > max) max = value;
      }
    }
    const floor = max - DYNAMIC_RANGE;
    for (let i = 0; i < mels * frames; i++) out[i] = ((out[i] > floor ? out[i] : floor) + 4) / 4;
    return out;
  }
}
