/**
 * transformers' logits processors (generation/logits_process.py, 5.18) as composable steps, each rewriting the
 * next-token scores in place. Arithmetic stays in float32 where transformers' is float32 (penalty, temperature:
 * one rounded operation per score, as torch does it), so greedy choices after a penalty tie-break as there.
 */

/** One step: rewrites `scores` (one row of vocabulary logits) in place; `history` = the ids the penalty sees. */
export type LogitsProcessor = (scores: Float32Array, history: ArrayLike<number>) => void;

import { TopKSelection } from './topKSelection';

const f32 = Math.fround;

/**
 * `RepetitionPenaltyLogitsProcessor`: every id seen in `history` (once, however often it occurs) is divided by the
 * penalty when positive, multiplied when negative, so a penalty > 1 always makes it less likely.
 */
export function repetitionPenalty(penalty: number): LogitsProcessor {
  const p = f32(penalty);
  // Marks of the ids penalised in this call, cleared before it returns: no Set per generated token.
  let seen = new Uint8Array(0);
  return (scores, history) => {
    if (seen.length < scores.length) seen = new Uint8Array(scores.length);
    for (let i = 0; i < history.length; i++) {
      const id = history[i];
      if (!(id >= 0 && id < scores.length) || seen[id]) continue;
      seen[id] = 1;
      const score = scores[id];
      scores[id] = score < 0 ? score * p : score / p;
    }
    for (let i = 0; i < history.length; i++) if (history[i] >= 0 && history[i] < scores.length) seen[history[i]] = 0;
  };
}

/** `SuppressTokensLogitsProcessor`: the ids can never be chosen (−∞), greedy included. */
export function suppressTokens(ids: readonly number[]): LogitsProcessor {
  return (scores) => {
    for (const id of ids) if (id >= 0 && id < scores.length) scores[id] = -Infinity;
  };
}

/** `TemperatureLogitsWarper`: scores / T (T < 1 sharpens, T > 1 flattens). */
export function temperature(t: number): LogitsProcessor {
  if (!(t > 0)) throw new Error(`temperature: ${t} must be a positive number (greedy decoding is do_sample false)`);
  const divisor = f32(t);
  return (scores) => {
    for (let i = 0; i < scores.length; i++) scores[i] = scores[i] / divisor;
  };
}

/**
 * `TopKLogitsWarper`: everything below the k-th largest score becomes −∞; scores tied with it stay (transformers
 * masks `scores < topk(scores, k)[-1]`). k is raised to `minTokensToKeep` and capped at the vocabulary.
 */
export function topK(k: number, minTokensToKeep = 1): LogitsProcessor {
  const selection = new TopKSelection(k, minTokensToKeep);
  return (scores) => {
    const threshold = selection.threshold(scores);
    for (let i = 0; i < scores.length; i++) if (scores[i] < threshold) scores[i] = -Infinity;
  };
}

/**
 * `TopPLogitsWarper` (nucleus): with the scores sorted ascending, the tokens whose cumulative probability stays
 * ≤ 1 − p are removed, always keeping the `minTokensToKeep` most likely. Equal scores sort by id (a stable sort;
 * torch's order among ties is unspecified). Softmax and cumulative sum are in float64 here.
 */
export function topP(p: number, minTokensToKeep = 1): TopPStep {
  if (!(p > 0 && p <= 1)) throw new Error(`topP: ${p} must be in (0, 1]`);
  const cutoff = f32(1 - p);
  // Scratch of the live ids: nothing allocated per token.
  let live = new Int32Array(0);
  return (scores, _history, ascending) => {
    let order = ascending;
    if (!order) {
      if (live.length < scores.length) live = new Int32Array(scores.length);
      let count = 0;
      for (let i = 0; i < scores.length; i++) if (scores[i] !== -Infinity) live[count++] = i;
      order = sortByScore(live.subarray(0, count), scores);
    }
    // −∞ scores have probability 0: they sort first and are removed already.
    let first = 0;
    while (first < order.length && scores[order[first]] === -Infinity) first++;
    if (first === order.length) return;
    const max = scores[order[order.length - 1]];
    let total = 0;
    for (let rank = first; rank < order.length; rank++) total += Math.exp(scores[order[rank]] - max);
    let cumulative = 0;
    const removable = order.length - minTokensToKeep;
    for (let rank = first; rank < removable; rank++) {
      const i = order[rank];
      cumulative += Math.exp(scores[i] - max) / total;
      if (cumulative > cutoff) break;
      scores[i] = -Infinity;
    }
  };
}

/**
 * A top-p step, which a caller that knows the ascending order of the scores (by score, equal ones by id; positions
 * into `scores`) can hand over rather than have it sorted.
 */
export type TopPStep = (scores: Float32Array, history: ArrayLike<number>, ascending?: Int32Array) => void;

/**
 * `ids` (ascending) sorted by score, ascending, equal scores staying in id order. After top-k there are about k of
 * them, and a stable insertion sort of those costs less than calling a comparator; a whole row goes to the
 * engine's sort with the same order as comparator.
 */
function sortByScore(ids: Int32Array, scores: Float32Array): Int32Array {
  if (ids.length > INSERTION_SORT_MAX) return ids.sort((a, b) => scores[a] - scores[b] || a - b);
  for (let i = 1; i < ids.length; i++) {
    const id = ids[i];
    const score = scores[id];
    let j = i;
    for (; j > 0 && scores[ids[j - 1]] > score; j--) ids[j] = ids[j - 1];
    ids[j] = id;
  }
  return ids;
}

const INSERTION_SORT_MAX = 256;
