import { describe, expect, it } from 'vitest';
import { Xoshiro128 } from './rng';
import { argmax, drawFromScores, logitsProcessors, TokenSampler, type SamplingSettings } from './sampler';

const GREEDY: SamplingSettings = { doSample: false, temperature: 1, topK: 50, topP: 1, repetitionPenalty: 1, suppressTokens: [] };
const SAMPLE: SamplingSettings = { ...GREEDY, doSample: true, topK: 0 };

describe('the processor list transformers builds (qwen3-omni.md §9.5)', () => {
  it('greedy with no penalty and nothing suppressed: no processors, plain argmax', () => {
    expect(logitsProcessors({ ...GREEDY, temperature: 0.7, topK: 20, topP: 0.8 })).toHaveLength(0);
  });

  it("the talker's greedy decoding still applies its penalty, then its suppressed ids", () => {
    const steps = logitsProcessors({ ...GREEDY, repetitionPenalty: 2, suppressTokens: [0] });
    const scores = Float32Array.from([9, 4, -1, 3]);
    for (const step of steps) step(scores, [1, 2]);
    expect(Array.from(scores)).toEqual([-Infinity, 2, -2, 3]);
    expect(argmax(scores)).toBe(3);
  });

  it('sampling: penalty → suppress → temperature → top-k → top-p, each only when it changes something', () => {
    const settings = { doSample: true, repetitionPenalty: 2, suppressTokens: [4], temperature: 0.5, topK: 3, topP: 0.9 };
    expect(logitsProcessors(settings)).toHaveLength(5);
    expect(logitsProcessors({ ...settings, repetitionPenalty: 1, temperature: 1, topK: 0, topP: 1, suppressTokens: [] })).toHaveLength(0);
    // Penalty: id 0 4 → 2; suppress id 4; T 0.5: [4, 7, 6, 2]; top-3 drops id 3; top-p 0.9 drops id 0 (p ≈ 0.035).
    const scores = Float32Array.from([4, 3.5, 3, 1, 9]);
    for (const step of logitsProcessors(settings)) step(scores, [0]);
    expect(Array.from(scores)).toEqual([-Infinity, 7, 6, -Infinity, -Infinity]);
  });
});

describe('greedy choice', () => {
  it('is the first index of the largest logit (torch.argmax)', () => {
    expect(argmax([1, 5, 5, 2])).toBe(1);
    expect(argmax(Float32Array.from([-3, -1, -2]))).toBe(1);
  });
});

describe('a draw from the softmax', () => {
  const scores = Float32Array.from([0.5, 0.25, 0.25].map(Math.log));

  it('is the first id whose cumulative probability exceeds the uniform draw', () => {
    expect([0, 0.49, 0.51, 0.74, 0.76, 0.999].map((u) => drawFromScores(scores, u))).toEqual([0, 0, 1, 1, 2, 2]);
  });

  it('never picks a masked id', () => {
    const masked = Float32Array.from([-Infinity, 0, -Infinity, 0]);
    expect([0, 0.49, 0.51, 0.999999].map((u) => drawFromScores(masked, u))).toEqual([1, 1, 3, 3]);
  });
});

describe('TokenSampler', () => {
  const logits = Float32Array.from([0.5, 0.25, 0.125, 0.125].map(Math.log));

  it('draws a fixed sequence for a fixed seed', () => {
    const sampler = new TokenSampler(SAMPLE, 42);
    expect(Array.from({ length: 12 }, () => sampler.next(logits.slice(), []))).toEqual([0, 0, 1, 1, 2, 1, 2, 0, 1, 1, 0, 0]);
  });

  it('draws each token about as often as its probability', () => {
    const sampler = new TokenSampler(SAMPLE, 1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) counts[sampler.next(logits.slice(), [])]++;
    counts.forEach((c, i) => expect(Math.abs(c / 20000 - [0.5, 0.25, 0.125, 0.125][i])).toBeLessThan(0.01));
  });

  it('is deterministic without a seed when greedy, and applies the penalty to the given history', () => {
    const sampler = new TokenSampler({ ...GREEDY, repetitionPenalty: 4 });
    expect(sampler.next(logits.slice(), [])).toBe(0);
    expect(sampler.next(logits.slice(), [0])).toBe(1);
  });

  it('after top-k draws from the kept ids only, choosing exactly what the whole masked vocabulary would give', () => {
    // The talker's and the code predictor's settings; scores rounded to 1/8 so that ties at the k-th score occur.
    const settingsList: SamplingSettings[] = [
      { doSample: true, temperature: 0.9, topK: 50, topP: 1, repetitionPenalty: 1.05, suppressTokens: [3000, 3001] },
      { doSample: true, temperature: 1, topK: 50, topP: 0.8, repetitionPenalty: 1, suppressTokens: [] },
    ];
    for (const settings of settingsList) {
      const sampler = new TokenSampler(settings, 9);
      const reference = Xoshiro128.fromSeed(9);
      const values = Xoshiro128.fromSeed(3);
      for (let row = 0; row < 300; row++) {
        const scores = Float32Array.from({ length: 3072 }, () => Math.round(values.nextFloat() * 40) / 8);
        const history = [row % 7, 11, 2999];
        const masked = scores.slice();
        for (const step of logitsProcessors(settings)) step(masked, history);
        expect(sampler.next(scores.slice(), history)).toBe(drawFromScores(masked, reference.nextFloat()));
      }
    }
  });

  it('given the ranked largest logits of a graph, chooses what it chooses from the row, drawing or greedy', () => {
    // The code predictor's settings; rows of distinct scores, of scores on a 1/64 grid (ties among the kept ones), and
    // on a 1/8 grid (ties running past the 64 ranked ones, so that it reads the row).
    const codePredictor: SamplingSettings = { doSample: true, temperature: 1, topK: 50, topP: 0.8, repetitionPenalty: 1, suppressTokens: [] };
    const values = Xoshiro128.fromSeed(4);
    for (const settings of [codePredictor, { ...codePredictor, doSample: false }]) {
      const fromRow = new TokenSampler(settings, 8);
      const fromRanked = new TokenSampler(settings, 8);
      for (let row = 0; row < 200; row++) {
        const grid = [0, 64, 8][row % 3];
        const scores = Float32Array.from({ length: 2048 }, () => (grid ? Math.round(values.nextFloat() * 5 * grid) / grid : values.nextFloat() * 5));
        const ids = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b).slice(0, 64);
        const ranked = { ids: Int32Array.from(ids), scores: Float32Array.from(ids, (id) => scores[id]) };
        expect(fromRanked.next(scores.slice(), [], ranked)).toBe(fromRow.next(scores.slice(), []));
      }
    }
  });

  it("draws what it always drew for a seed, at the talker's and the code predictor's settings", () => {
    // Pinned from the first implementation: a faster sampler must not change a single seeded reply. Every 4th row
    // is on a 1/4 grid, so that ties at the k-th score keep more than k ids.
    const talker: SamplingSettings = { doSample: true, temperature: 0.9, topK: 50, topP: 1, repetitionPenalty: 1.05, suppressTokens: Array.from({ length: 1024 }, (_, k) => 2048 + k).filter((id) => id !== 2150) };
    const codePredictor: SamplingSettings = { doSample: true, temperature: 1, topK: 50, topP: 0.8, repetitionPenalty: 1, suppressTokens: [] };
    const draws = (settings: SamplingSettings, vocab: number) => {
      const sampler = new TokenSampler(settings, 2024);
      const logits = Xoshiro128.fromSeed(7);
      const history: number[] = [];
      for (let row = 0; row < 40; row++) {
        const scores = Float32Array.from({ length: vocab }, () => (row % 4 === 3 ? Math.round(logits.nextFloat() * 48) / 4 : logits.nextFloat() * 12 - 6));
        history.push(sampler.next(scores, history));
      }
      return history;
    };
    expect(draws(talker, 3072)).toEqual([
      235, 1637, 1547, 1712, 1875, 1829, 1681, 1833, 1963, 1595, 1585, 962, 593, 907, 1139, 1862, 974, 1647, 1688, 451,
      829, 589, 495, 502, 1998, 774, 1991, 878, 700, 1563, 1047, 917, 360, 643, 670, 1542, 228, 321, 1900, 1941,
    ]);
    expect(draws(codePredictor, 2048)).toEqual([
      350, 1705, 1561, 1770, 1495, 1898, 1714, 1919, 1820, 1481, 1551, 1238, 360, 990, 720, 1893, 1142, 1811, 1788, 942,
      1016, 733, 778, 819, 1600, 552, 1955, 1026, 758, 1578, 1027, 1077, 514, 913, 377, 1767, 365, 227, 1962, 1999,
    ]);
  });
});
