/**
 * transformers' logits processors (generation/logits_process.py, 5.18) as composable steps, each rewriting the
 * next-token scores in place. Arithmetic stays in float32 where transformers' is float32 (penalty, temperature:
 * one rounded operation per score, as torch does it), so greedy choices after a penalty tie-break as there.
 */

/** One step: rewrites `scores` (one row of vocabulary logits) in place; `history` = the ids the penalty sees. */
export type LogitsProcessor = (scores: Float32Array, history: ArrayLike<number>) => void;

const f32 = Math.fround;

/**
 * `RepetitionPenaltyLogitsProcessor`: every id seen in `history` (once, however often it occurs) is divided by the
 * penalty when positive, multiplied when negative, so a penalty > 1 always makes it less likely.
 */
export function repetitionPenalty(penalty: number): LogitsProcessor {
  const p = f32(penalty);
  return (scores, history) => {
    const seen = new Set<number>();
    for (let i = 0; i < history.length; i++) {
      const id = history[i];
      if (seen.has(id) || id < 0 || id >= scores.length) continue;
      seen.add(id);
      const score = scores[id];
      scores[id] = score < 0 ? score * p : score / p;
    }
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

/** The k-th largest finite-or-not value of `scores` (k ≥ 1), by a size-k min-heap: O(V log k). */
function kthLargest(scores: Float32Array, k: number): number {
  const heap = new Float64Array(k);
  let size = 0;
  const siftDown = (from: number) => {
    let i = from;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= size) return;
      const child = left + 1 < size && heap[left + 1] < heap[left] ? left + 1 : left;
      if (heap[child] >= heap[i]) return;
      const swap = heap[i];
      heap[i] = heap[child];
      heap[child] = swap;
      i = child;
    }
  };
  for (let i = 0; i < scores.length; i++) {
    const v = scores[i];
    if (size < k) {
      let j = size++;
      heap[j] = v;
      while (j > 0) {
        const parent = (j - 1) >> 1;
        if (heap[parent] <= heap[j]) break;
        const swap = heap[parent];
        heap[parent] = heap[j];
        heap[j] = swap;
        j = parent;
      }
    } else if (v > heap[0]) {
      heap[0] = v;
      siftDown(0);
    }
  }
  return heap[0];
}

/**
 * `TopKLogitsWarper`: everything below the k-th largest score becomes −∞; scores tied with it stay (transformers
 * masks `scores < topk(scores, k)[-1]`). k is raised to `minTokensToKeep` and capped at the vocabulary.
 */
export function topK(k: number, minTokensToKeep = 1): LogitsProcessor {
  if (!Number.isInteger(k) || k < 1) throw new Error(`topK: ${k} must be a positive integer`);
  return (scores) => {
    const threshold = topKThreshold(scores, k, minTokensToKeep);
    for (let i = 0; i < scores.length; i++) if (scores[i] < threshold) scores[i] = -Infinity;
  };
}

/** The ids `topK(k)` keeps, ascending: a sampler can go on with those few rather than the whole vocabulary. */
export function topKIds(scores: Float32Array, k: number, minTokensToKeep = 1): number[] {
  const threshold = topKThreshold(scores, k, minTokensToKeep);
  const ids: number[] = [];
  for (let i = 0; i < scores.length; i++) if (!(scores[i] < threshold)) ids.push(i);
  return ids;
}

const topKThreshold = (scores: Float32Array, k: number, minTokensToKeep: number) => kthLargest(scores, Math.min(Math.max(k, minTokensToKeep), scores.length));

/**
 * `TopPLogitsWarper` (nucleus): with the scores sorted ascending, the tokens whose cumulative probability stays
 * ≤ 1 − p are removed, always keeping the `minTokensToKeep` most likely. Equal scores sort by id (a stable sort;
 * torch's order among ties is unspecified). Softmax and cumulative sum are in float64 here.
 */
export function topP(p: number, minTokensToKeep = 1): LogitsProcessor {
  if (!(p > 0 && p <= 1)) throw new Error(`topP: ${p} must be in (0, 1]`);
  const cutoff = f32(1 - p);
  return (scores) => {
    // −∞ scores have probability 0: they sort first and are removed already.
    const live: number[] = [];
    let max = -Infinity;
    for (let i = 0; i < scores.length; i++) {
      if (scores[i] === -Infinity) continue;
      live.push(i);
      if (scores[i] > max) max = scores[i];
    }
    live.sort((a, b) => scores[a] - scores[b] || a - b);
    let total = 0;
    for (const i of live) total += Math.exp(scores[i] - max);
    let cumulative = 0;
    const removable = live.length - minTokensToKeep;
    for (let rank = 0; rank < removable; rank++) {
      const i = live[rank];
      cumulative += Math.exp(scores[i] - max) / total;
      if (cumulative > cutoff) break;
      scores[i] = -Infinity;
    }
  };
}
