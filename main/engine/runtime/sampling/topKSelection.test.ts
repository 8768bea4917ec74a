import { describe, expect, it } from 'vitest';
import { TopKSelection, type RankedScores } from './topKSelection';

const NEG = -Infinity;
const plain = (kept: { ids: Int32Array; scores: Float32Array } | undefined) => kept && { ids: Array.from(kept.ids), scores: Array.from(kept.scores) };
/** The first `count` of `row` by score descending, equal ones by lower id: what the code predictor graph returns. */
const rank = (row: Float32Array, count: number): RankedScores => {
  const ids = Array.from(row.keys()).sort((a, b) => row[b] - row[a] || a - b).slice(0, count);
  return { ids: Int32Array.from(ids), scores: Float32Array.from(ids, (id) => row[id]) };
};

describe('top-k selection', () => {
  it('keeps the ids not below the k-th largest score, ties with it included, ascending with their scores', () => {
    const row = Float32Array.of(1, 5, 3, NEG, 3, 4, 0, 3);
    expect(plain(new TopKSelection(3).select(row))).toEqual({ ids: [1, 2, 4, 5, 7], scores: [5, 3, 3, 4, 3] });
    expect(new TopKSelection(3).threshold(row)).toBe(3);
  });

  it('keeps the whole row when k is at least its length, and reuses its scratch from row to row', () => {
    const selection = new TopKSelection(4);
    expect(plain(selection.select(Float32Array.of(2, NEG, 1)))).toEqual({ ids: [0, 1, 2], scores: [2, NEG, 1] });
    expect(plain(selection.select(Float32Array.of(9, 8, 7, 6, 5, 4)))).toEqual({ ids: [0, 1, 2, 3], scores: [9, 8, 7, 6] });
  });

  it('refuses a k that is not a positive integer', () => {
    expect(() => new TopKSelection(0)).toThrow('topK: 0 must be a positive integer');
  });
});

describe('top-k selection from ranked scores', () => {
  const row = Float32Array.of(1, 5, 3, NEG, 3, 4, 0, 3, 2);

  it('gives what the row gives when the ranked ones go past the ties with the k-th, with their order for top-p', () => {
    const kept = new TopKSelection(3).selectRanked(rank(row, 6), row.length);
    expect(plain(kept)).toEqual(plain(new TopKSelection(3).select(row)));
    // Positions into the kept scores [5, 3, 3, 4, 3] by score, equal ones by id.
    expect(Array.from(kept!.ascending!)).toEqual([1, 2, 4, 3, 0]);
    expect(plain(new TopKSelection(2).selectRanked(rank(row, 3), row.length))).toEqual({ ids: [1, 5], scores: [5, 4] });
  });

  it('declines when the last ranked score ties with the k-th (the tie may go on past them) or fewer than k are ranked', () => {
    expect(new TopKSelection(3).selectRanked(rank(row, 5), row.length)).toBeUndefined();
    expect(new TopKSelection(3).selectRanked(rank(row, 2), row.length)).toBeUndefined();
  });

  it('takes a ranking of the whole row, ties to the end included', () => {
    const flat = Float32Array.of(2, 2, 2, 2);
    expect(plain(new TopKSelection(2).selectRanked(rank(flat, 4), 4))).toEqual({ ids: [0, 1, 2, 3], scores: [2, 2, 2, 2] });
  });
});
