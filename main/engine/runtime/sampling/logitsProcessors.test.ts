import { describe, expect, it } from 'vitest';
import { repetitionPenalty, suppressTokens, temperature, topK, topP } from './logitsProcessors';
import { Xoshiro128 } from './rng';

const run = (step: (scores: Float32Array, history: number[]) => void, scores: number[], history: number[] = []) => {
  const row = Float32Array.from(scores);
  step(row, history);
  return Array.from(row);
};
const NEG = -Infinity;

describe('repetition penalty (transformers: divide positive logits, multiply negative ones)', () => {
  it('penalises each id of the history once, however often it occurs', () => {
    expect(run(repetitionPenalty(2), [2, -2, 0.5, 1], [0, 1, 1, 1])).toEqual([1, -4, 0.5, 1]);
  });

  it('computes in float32 with the penalty rounded to float32, as torch does', () => {
    const p = Math.fround(1.05);
    expect(run(repetitionPenalty(1.05), [p, -1, 3], [0, 1, 2])).toEqual([1, -p, Math.fround(3 / p)]);
  });

  it('leaves a zero logit at zero and ignores ids outside the vocabulary', () => {
    expect(run(repetitionPenalty(1.5), [0, 1], [0, 7, -1])).toEqual([0, 1]);
  });
});

describe('suppressed ids', () => {
  it('become −∞', () => {
    expect(run(suppressTokens([1, 3]), [5, 6, 7, 8])).toEqual([5, NEG, 7, NEG]);
  });
});

describe('temperature', () => {
  it('divides every logit by T', () => {
    expect(run(temperature(0.5), [1, -2, 3])).toEqual([2, -4, 6]);
  });

  it('refuses T ≤ 0 (greedy decoding is do_sample false)', () => {
    expect(() => temperature(0)).toThrow('must be a positive number');
  });
});

describe('top-k', () => {
  it('masks everything below the k-th largest logit', () => {
    expect(run(topK(3), [1, 3, 2, 4, 0])).toEqual([NEG, 3, 2, 4, NEG]);
  });

  it('keeps every logit tied with the k-th largest (transformers masks only scores < the k-th)', () => {
    expect(run(topK(2), [1, 3, 2, 3, 3])).toEqual([NEG, 3, NEG, 3, 3]);
  });

  it('keeps everything when k is at least the vocabulary', () => {
    expect(run(topK(50), [1, 2, 3])).toEqual([1, 2, 3]);
  });
});

describe('top-p (nucleus)', () => {
  const logits = [0.5, 0.3, 0.15, 0.05].map(Math.log);

  it('removes the least likely tokens while their cumulative probability stays ≤ 1 − p', () => {
    // Ascending: 0.05 (Σ 0.05), 0.15 (Σ 0.20) are ≤ 0.25 and go; 0.3 brings Σ to 0.5 and stays.
    expect(run(topP(0.75), logits)).toEqual([Math.fround(logits[0]), Math.fround(logits[1]), NEG, NEG]);
  });

  it('always keeps the most likely token', () => {
    expect(run(topP(0.01), logits)).toEqual([Math.fround(logits[0]), NEG, NEG, NEG]);
  });

  it('keeps everything at p = 1 and ignores tokens already masked', () => {
    expect(run(topP(1), [0, NEG, 0])).toEqual([0, NEG, 0]);
  });

  it('over a whole row, ties included, removes exactly the tail a (score, id) sort and float64 sums remove', () => {
    // Past a few hundred live scores it sorts another way than after top-k: both must give this order.
    const values = Xoshiro128.fromSeed(5);
    const row = Array.from({ length: 3000 }, (_, i) => (i % 10 === 0 ? NEG : Math.round(values.nextFloat() * 64) / 8));
    const live = row.flatMap((score, id) => (score === NEG ? [] : [id])).sort((a, b) => row[a] - row[b] || a - b);
    const max = Math.max(...live.map((id) => row[id]));
    const total = live.reduce((sum, id) => sum + Math.exp(row[id] - max), 0);
    const expected = row.slice();
    let cumulative = 0;
    for (const id of live.slice(0, -1)) {
      cumulative += Math.exp(row[id] - max) / total;
      if (cumulative > Math.fround(1 - 0.3)) break;
      expected[id] = NEG;
    }
    expect([live.length, expected.filter((score) => score !== NEG).length]).toEqual([2700, 124]);
    expect(run(topP(0.3), row)).toEqual(expected);
  });
});
