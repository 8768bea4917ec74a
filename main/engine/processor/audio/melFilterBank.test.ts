import { describe, expect, it } from 'vitest';
import { readNpySync } from '../../runtime/npy';
import { assertClose } from '../../testing/parity';
import { hertzToSlaneyMel, slaneyMelFilterBank, slaneyMelToHertz, sparseFilterBank } from './melFilterBank';
import { fixture } from './testFiles';

describe('Slaney mel filter bank', () => {
  const bank = slaneyMelFilterBank({ bins: 201, mels: 128, sampleRate: 16000 });

  it('equals transformers’ mel_filter_bank(201, 128, 0, 8000, 16000, norm="slaney", mel_scale="slaney")', () => {
    const expected = readNpySync(fixture('mel_filters_128.npy'));
    expect(expected.shape).toEqual([201, 128]);
    assertClose('mel filters', expected, { data: bank, shape: [201, 128] }, { atol: 1e-15, rtol: 1e-12 });
  });

  it('is linear below 1 kHz and logarithmic above', () => {
    expect(hertzToSlaneyMel(500)).toBe(7.5);
    expect(hertzToSlaneyMel(1000)).toBe(15);
    expect(hertzToSlaneyMel(6400)).toBeCloseTo(42, 12);
    expect(slaneyMelToHertz(hertzToSlaneyMel(8000))).toBeCloseTo(8000, 9);
  });

  it('keeps only the non-zero run of each triangle, rounded to float32 as torch multiplies with it', () => {
    const sparse = sparseFilterBank(bank, 201, 128);
    expect(sparse.offset[128]).toBeLessThan(2 * 201);
    for (const m of [0, 64, 127]) {
      for (let k = 0; k < 201; k++) {
        const at = k - sparse.firstBin[m];
        const inRun = at >= 0 && at < sparse.offset[m + 1] - sparse.offset[m];
        expect(inRun ? sparse.weights[sparse.offset[m] + at] : 0).toBe(Math.fround(bank[k * 128 + m]));
      }
    }
  });
});
