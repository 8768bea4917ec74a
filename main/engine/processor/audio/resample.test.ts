import { describe, expect, it } from 'vitest';
import { readNpySync } from '../../runtime/npy';
import { loadGoldenCase } from '../../testing/fixtures';
import { assertClose } from '../../testing/parity';
import { loadAudio } from './loadAudio';
import { PolyphaseResampler, resample } from './resample';
import { expectedFloat32, fixture, media } from './testFiles';

/** librosa.load(file, sr=16000) of the oracle's media, as the oracle saved it. */
function goldenWaveform(caseName: string, index: number): Float32Array {
  const golden = loadGoldenCase(caseName);
  const file = golden.info.audio[index].waveform_file;
  if (!file) throw new Error(`${caseName}: audio ${index} has no waveform file`);
  return readNpySync(`${golden.dir}/${file}`).data as Float32Array;
}

function tone(hertz: number, rate: number, seconds: number): Float32Array {
  return Float32Array.from({ length: Math.round(rate * seconds) }, (_, i) => Math.sin((2 * Math.PI * hertz * i) / rate));
}

/** Peak amplitude away from the edges, where the filter sees the start and end of the signal. */
function steadyPeak(samples: Float32Array): number {
  const margin = Math.floor(samples.length / 4);
  return Math.max(...samples.subarray(margin, samples.length - margin).map(Math.abs));
}

describe('resampling to 16 kHz matches librosa (soxr_hq) on speech', () => {
  // Measured max |Δ| 7.0e-5 (22.05k), 3.6e-5 (44.1k), 5.7e-6 (48k), 9.1e-6 (8k) on speech peaking at 0.45–0.77.
  const tolerance = { atol: 1e-4, maxMeanAbs: 5e-6 };

  it('44.1 kHz stereo, after the downmix', async () => {
    assertClose('44.1k', goldenWaveform('images_audio', 0), await loadAudio(media('speech_44k1_stereo.wav')), tolerance);
  });

  it('22.05 kHz', async () => {
    assertClose('22.05k', goldenWaveform('images_audio', 1), await loadAudio(media('speech_22k05_mono.wav')), tolerance);
  });

  it('48 kHz', async () => {
    assertClose('48k', goldenWaveform('two_turn', 0), await loadAudio(media('speech_48k_mono.wav')), tolerance);
  });

  it('8 kHz (upsampling)', async () => {
    const expected = expectedFloat32('speech_8k_mono.librosa_16k.npy');
    assertClose('8k', expected, await loadAudio(fixture('speech_8k_mono.wav')), tolerance);
  });
});

describe('resample', () => {
  it('returns soxr’s round(n·to/from) samples, zero-padded to librosa’s ceil(n·to/from)', () => {
    const resampler = new PolyphaseResampler(22050, 16000);
    expect(resampler.outputLength(20000)).toEqual({ computed: 14512, total: 14513 });
    const out = resampler.process(tone(440, 22050, 20000 / 22050));
    expect(out.length).toBe(14513);
    expect(out[14512]).toBe(0);
    expect(out[14511]).not.toBe(0);
  });

  it('keeps the passband: 1 kHz and 7 kHz tones (below 91 % of 8 kHz) leave 44.1 kHz with their amplitude', () => {
    expect(steadyPeak(resample(tone(1000, 44100, 0.5), 44100, 16000))).toBeCloseTo(1, 4);
    expect(steadyPeak(resample(tone(7000, 44100, 0.5), 44100, 16000))).toBeCloseTo(1, 2);
  });

  it('removes what the new rate cannot hold: a 9 kHz tone from 44.1 kHz ends more than 100 dB down', () => {
    expect(steadyPeak(resample(tone(9000, 44100, 0.5), 44100, 16000))).toBeLessThan(1e-5);
  });

  it('handles unusual rates (44101 Hz: 16000 phases) by interpolating between 1024 of them', () => {
    const out = resample(tone(1000, 44101, 0.5), 44101, 16000);
    assertClose('1 kHz', tone(1000, 16000, out.length / 16000).subarray(2000, 6000), out.subarray(2000, 6000), { atol: 1e-4 });
  });

  it('returns the input itself when the rates are equal', () => {
    const samples = tone(440, 16000, 0.1);
    expect(resample(samples, 16000, 16000)).toBe(samples);
  });
});
