/**
 * The triangular mel filter bank of transformers' `mel_filter_bank(..., norm="slaney", mel_scale="slaney")`, which
 * WhisperFeatureExtractor builds with f_min 0 and f_max 8000 Hz: centres equally spaced on the Slaney mel scale,
 * triangles drawn in Hz over the FFT bin frequencies, each scaled by 2 / (its width in Hz) for constant energy.
 */

const MIN_LOG_HERTZ = 1000;
const MIN_LOG_MEL = 15;
// Both directions spelt as transformers' audio_utils writes them, so the float64 results agree to the last bit.
const MELS_PER_LOG_HERTZ = 27 / Math.log(6.4);
const LOG_HERTZ_PER_MEL = Math.log(6.4) / 27;

export function hertzToSlaneyMel(hertz: number): number {
  return hertz >= MIN_LOG_HERTZ ? MIN_LOG_MEL + Math.log(hertz / MIN_LOG_HERTZ) * MELS_PER_LOG_HERTZ : (3 * hertz) / 200;
}

export function slaneyMelToHertz(mel: number): number {
  return mel >= MIN_LOG_MEL ? MIN_LOG_HERTZ * Math.exp(LOG_HERTZ_PER_MEL * (mel - MIN_LOG_MEL)) : (200 * mel) / 3;
}

export interface MelFilterBankSpec {
  /** FFT bins: n_fft / 2 + 1. */
  bins: number;
  mels: number;
  sampleRate: number;
  minHertz?: number;
  maxHertz?: number;
}

/** Weights as transformers computes them (float64), laid out [bins × mels] like its `mel_filters`. */
export function slaneyMelFilterBank({ bins, mels, sampleRate, minHertz = 0, maxHertz = 8000 }: MelFilterBankSpec): Float64Array {
  const melMin = hertzToSlaneyMel(minHertz);
  const melMax = hertzToSlaneyMel(maxHertz);
  // np.linspace: start + i·step, with the end point set exactly.
  const edges = Array.from({ length: mels + 2 }, (_, i) =>
    slaneyMelToHertz(i === mels + 1 ? melMax : melMin + i * ((melMax - melMin) / (mels + 1))),
  );
  const nyquist = Math.floor(sampleRate / 2);
  const binHertz = Array.from({ length: bins }, (_, k) => (k === bins - 1 ? nyquist : k * (nyquist / (bins - 1))));
  const weights = new Float64Array(bins * mels);
  for (let m = 0; m < mels; m++) {
    const [left, centre, right] = [edges[m], edges[m + 1], edges[m + 2]];
    const norm = 2 / (right - left);
    for (let k = 0; k < bins; k++) {
      const rising = (binHertz[k] - left) / (centre - left);
      const falling = (right - binHertz[k]) / (right - centre);
      weights[k * mels + m] = Math.max(0, Math.min(rising, falling)) * norm;
    }
  }
  return weights;
}

/** The non-zero run of each filter, for a product that skips the ~99 % zeros of the dense bank. */
export interface SparseFilterBank {
  mels: number;
  firstBin: Int32Array;
  /** weights[offset[m] … offset[m + 1]) apply to bins firstBin[m], firstBin[m] + 1, … */
  offset: Int32Array;
  weights: Float64Array;
}

/** `weights` [bins × mels] → per-filter runs, rounded to float32 like the `mel_filters` torch multiplies with. */
export function sparseFilterBank(weights: Float64Array, bins: number, mels: number): SparseFilterBank {
  const firstBin = new Int32Array(mels);
  const offset = new Int32Array(mels + 1);
  const runs: number[] = [];
  for (let m = 0; m < mels; m++) {
    let first = 0;
    while (first < bins && weights[first * mels + m] === 0) first++;
    let last = bins - 1;
    while (last > first && weights[last * mels + m] === 0) last--;
    firstBin[m] = first;
    for (let k = first; k <= last && first < bins; k++) runs.push(Math.fround(weights[k * mels + m]));
    offset[m + 1] = runs.length;
  }
  return { mels, firstBin, offset, weights: Float64Array.from(runs) };
}
