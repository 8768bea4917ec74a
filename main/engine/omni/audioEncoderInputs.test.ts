import { describe, expect, it } from 'vitest';
import { audioTokenCount } from '../processor/audio/audioTokens';
import { audioEncoderInputs } from './audioEncoderInputs';

const SETTINGS = { melBins: 4, nWindow: 50, nWindowInfer: 800 };

/** `[n, melBins, F]` features whose value encodes (audio, mel, frame), and the right-padded mask of `lengths`. */
function batch(lengths: number[], melBins = SETTINGS.melBins) {
  const F = Math.max(...lengths);
  const data = new Float32Array(lengths.length * melBins * F);
  const mask = new Int32Array(lengths.length * F);
  lengths.forEach((length, a) => {
    for (let f = 0; f < length; f++) {
      mask[a * F + f] = 1;
      for (let m = 0; m < melBins; m++) data[(a * melBins + m) * F + f] = 1 + a * 1e5 + m * 1e4 + f;
    }
  });
  return { features: { data, shape: [lengths.length, melBins, F] }, mask: { data: mask, shape: [lengths.length, F] } };
}

const rowsOf = (index: BigInt64Array, width: number, w: number) => Array.from(index.subarray(w * width, (w + 1) * width), Number);
const range = (from: number, count: number) => Array.from({ length: count }, (_, i) => from + i);

describe('audioEncoderInputs', () => {
  it("cuts each audio into 100-frame chunks padded with 0 to the longest chunk of the call, and lists every audio's tokens as windows", () => {
    const { features, mask } = batch([250, 43]);
    const { inputFeatures, windowIndex, tokenCounts } = audioEncoderInputs(features, mask, SETTINGS);
    // Chunks 100, 100, 50 (audio 0) and 43 (audio 1), all padded to 100 frames.
    expect(inputFeatures.dims).toEqual([4, 4, 100]);
    const at = (c: number, m: number, t: number) => inputFeatures.data[(c * 4 + m) * 100 + t];
    expect([at(0, 0, 0), at(0, 3, 99), at(1, 2, 0), at(2, 1, 49), at(2, 1, 50), at(3, 3, 42), at(3, 3, 43)]).toEqual([
      1, 1 + 3e4 + 99, 1 + 2e4 + 100, 1 + 1e4 + 249, 0, 1 + 1e5 + 3e4 + 42, 0,
    ]);
    // 13 tokens per 100-frame chunk, 7 for 50 frames, 6 for 43; each audio fits one 104-token window.
    expect(tokenCounts).toEqual([33, 6]);
    expect(windowIndex.dims).toEqual([2, 33]);
    expect(rowsOf(windowIndex.data, 33, 0)).toEqual(range(0, 33));
    expect(rowsOf(windowIndex.data, 33, 1)).toEqual([...range(39, 6), ...Array(27).fill(-1)]);
  });

  it('pads to the longest chunk when every audio is shorter than a chunk, and sizes windows from its token count', () => {
    const { features, mask } = batch([43, 20]);
    const { inputFeatures, windowIndex, tokenCounts } = audioEncoderInputs(features, mask, SETTINGS);
    expect(inputFeatures.dims).toEqual([2, 4, 43]);
    // The padded chunk has 6 tokens; 20 frames keep 3 of them.
    expect(tokenCounts).toEqual([6, 3]);
    expect(Array.from(windowIndex.data, Number)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, -1, -1, -1]);
  });

  it('splits a long audio into windows of 8 chunks (104 tokens, 8 s), the last one the remainder', () => {
    const { features, mask } = batch([1750], 1);
    const { inputFeatures, windowIndex, tokenCounts } = audioEncoderInputs(features, mask, { ...SETTINGS, melBins: 1 });
    expect(inputFeatures.dims).toEqual([18, 1, 100]);
    expect(tokenCounts).toEqual([13 * 17 + 7]);
    expect(windowIndex.dims).toEqual([3, 104]);
    expect(rowsOf(windowIndex.data, 104, 1)).toEqual(range(104, 104));
    expect(rowsOf(windowIndex.data, 104, 2)).toEqual([...range(208, 20), ...Array(84).fill(-1)]);
  });

  it("gives each audio the processor's placeholder count", () => {
    const lengths = [1, 2, 7, 50, 99, 100, 101, 199, 200, 333, 800, 801, 3232];
    const { features, mask } = batch(lengths, 1);
    expect(audioEncoderInputs(features, mask, { ...SETTINGS, melBins: 1 }).tokenCounts).toEqual(lengths.map(audioTokenCount));
  });

  it('takes the frames the mask marks, in order', () => {
    const features = { data: Float32Array.from([10, 11, 12, 13, 14]), shape: [1, 1, 5] };
    const mask = { data: Int32Array.from([0, 1, 0, 1, 1]), shape: [1, 5] };
    expect(Array.from(audioEncoderInputs(features, mask, { ...SETTINGS, melBins: 1 }).inputFeatures.data)).toEqual([11, 13, 14]);
  });

  it('refuses an audio without frames, features of another mel size and chunk settings the token count does not know', () => {
    const { features, mask } = batch([0, 5]);
    expect(() => audioEncoderInputs(features, mask, SETTINGS)).toThrow('audio 0 has no valid frames');
    expect(() => audioEncoderInputs(batch([5]).features, batch([5]).mask, { ...SETTINGS, melBins: 128 })).toThrow('expected [n_audio, 128, frames]');
    expect(() => audioEncoderInputs(batch([5]).features, batch([5]).mask, { ...SETTINGS, nWindow: 100 })).toThrow('200-frame chunks');
  });
});
