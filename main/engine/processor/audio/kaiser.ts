/**
 * Kaiser-windowed sinc low-pass design as libsoxr does it (`filter.c`: `lsx_kaiser_beta`, `lsx_kaiser_params`,
 * `lsx_make_lpf`), so that our resampler has soxr's passband, transition band and stopband, not just similar ones.
 */

/** soxr's fit of the Kaiser β that reaches `attenuationDb` for a transition of `relativeWidth` (Δf / Fc / 2). */
function kaiserBeta(attenuationDb: number, relativeWidth: number): number {
  if (attenuationDb >= 60) {
    const octave = Math.log2(relativeWidth / 0.0005);
    const row = (i: number) => BETA_FIT[Math.min(Math.max(i, 0), BETA_FIT.length - 1)];
    const at = ([c3, c2, c1, c0]: readonly number[]) => ((c3 * attenuationDb + c2) * attenuationDb + c1) * attenuationDb + c0;
    const whole = Math.trunc(octave);
    const b0 = at(row(whole));
    const b1 = at(row(whole + 1));
    return b0 + (b1 - b0) * (octave - whole);
  }
  if (attenuationDb > 50) return 0.1102 * (attenuationDb - 8.7);
  if (attenuationDb > 20.96) return 0.58417 * (attenuationDb - 20.96) ** 0.4 + 0.07886 * (attenuationDb - 20.96);
  return 0;
}

/** Per octave of relative transition width from 0.0005: cubic in the attenuation (dB). */
const BETA_FIT: readonly (readonly number[])[] = [
  [-6.784957e-10, 1.02856e-5, 0.1087556, -0.8988365 + 0.001],
  [-6.897885e-10, 1.027433e-5, 0.10876, -0.8994658 + 0.002],
  [-1.000683e-9, 1.030092e-5, 0.1087677, -0.9007898 + 0.003],
  [-3.654474e-10, 1.040631e-5, 0.1087085, -0.8977766 + 0.006],
  [8.106988e-9, 6.983091e-6, 0.1091387, -0.9172048 + 0.015],
  [9.519571e-9, 7.272678e-6, 0.1090068, -0.9140768 + 0.025],
  [-5.626821e-9, 1.342186e-5, 0.1083999, -0.9065452 + 0.05],
  [-9.965946e-8, 5.073548e-5, 0.1040967, -0.7672778 + 0.085],
  [1.604808e-7, -5.856462e-5, 0.1185998, -1.34824 + 0.1],
  [-1.511964e-7, 6.363034e-5, 0.1064627, -0.9876665 + 0.18],
];

/** Filter length factor for β (soxr's fit for attenuations ≥ 60 dB): taps ≈ factor / transition width + 1. */
function kaiserLengthFactor(beta: number): number {
  return ((0.0007528358 - 1.577737e-5 * beta) * beta + 0.6248022) * beta + 0.06186902;
}

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for the β used here). */
export function besselI0(x: number): number {
  const quarterSquare = (x * x) / 4;
  let term = 1;
  let sum = 1;
  for (let k = 1; term > sum * 1e-17; k++) {
    term *= quarterSquare / (k * k);
    sum += term;
  }
  return sum;
}

export interface LowPass {
  /** -6 dB cutoff as a fraction of the Nyquist frequency of the rate the filter runs at. */
  cutoff: number;
  beta: number;
  /** The taps lie within ±halfLength samples of the centre; the window reaches zero at ±(halfLength + 0.5). */
  halfLength: number;
}

/**
 * Low-pass with passband up to `passbandEnd` and stopband from `stopbandBegin` (fractions of the Nyquist frequency),
 * `attenuationDb` down in the stopband (`lsx_design_lpf` with one phase).
 */
export function designLowPass(passbandEnd: number, stopbandBegin: number, attenuationDb: number): LowPass {
  const halfTransition = 0.5 * (stopbandBegin - passbandEnd);
  const cutoff = stopbandBegin - halfTransition;
  const beta = kaiserBeta(attenuationDb, (halfTransition * 0.5) / cutoff);
  return { cutoff, beta, halfLength: kaiserLengthFactor(beta) / halfTransition / 2 };
}

/** The windowed-sinc impulse response at offset `t` (samples, may be fractional); unit gain at DC. */
export function lowPassResponse(filter: LowPass, t: number, i0Beta = besselI0(filter.beta)): number {
  const windowEdge = filter.halfLength + 0.5;
  if (Math.abs(t) > filter.halfLength) return 0;
  const sinc = t === 0 ? filter.cutoff : Math.sin(filter.cutoff * Math.PI * t) / (Math.PI * t);
  const r = t / windowEdge;
  return (sinc * besselI0(filter.beta * Math.sqrt(1 - r * r))) / i0Beta;
}
