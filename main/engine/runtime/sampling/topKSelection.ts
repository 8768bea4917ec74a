/**
 * transformers' top-k rule (`TopKLogitsWarper`: mask `scores < topk(scores, k)[-1]`, so scores tied with the k-th
 * largest stay) computed once per row in a single pass and without allocating: the sampler draws 16 times per
 * codec frame, 15 of them over the code predictor's 2048 logits, and each pass over a row is most of a draw's cost.
 *
 * The pass keeps the k largest scores in a min-heap, and notes every id whose score is not below the heap's root
 * when it is read. The root only grows, so those candidates include every kept id, in id order; the kept ones are
 * the candidates not below the final root — a few more than k ids to look at again instead of the whole row.
 *
 * Cheaper still is not to read the row: a graph that ranks its logits (the code predictor's `top_logits` and
 * `top_ids`) gives the k largest and the next few, and `selectRanked` takes the kept ids from those.
 */

/** A row's largest scores, descending, equal ones by lower id (ONNX TopK), with their ids. */
export interface RankedScores {
  scores: Float32Array;
  ids: Int32Array;
}

/** What top-k keeps: ids ascending with their scores, and, when known, their order by score for top-p. */
export interface KeptScores {
  ids: Int32Array;
  scores: Float32Array;
  /** Positions into `scores`, ascending by score, equal ones by id. */
  ascending?: Int32Array;
}

/** The k largest scores of a row, the ids they keep, and their scores; scratch reused from row to row. */
export class TopKSelection {
  private readonly k: number;
  private readonly heap: Float64Array;
  private ids = new Int32Array(0);
  private scores = new Float32Array(0);
  /** selectRanked's scratch. */
  private keys = new Int32Array(0);
  private positions = new Int32Array(0);
  private ascending = new Int32Array(0);

  /** k is raised to `minTokensToKeep`, as transformers does, and capped at the row's length. */
  constructor(k: number, minTokensToKeep = 1) {
    if (!Number.isInteger(k) || k < 1) throw new Error(`topK: ${k} must be a positive integer`);
    this.k = Math.max(k, minTokensToKeep);
    this.heap = new Float64Array(this.k);
  }

  /** The k-th largest score of the row: below it, top-k masks. */
  threshold(scores: Float32Array): number {
    this.scan(scores);
    return this.heap[0];
  }

  /**
   * The ids top-k keeps, ascending, with their scores: more than k where scores tie with the k-th, up to the whole
   * row. Views of the scratch, valid until the next call.
   */
  select(scores: Float32Array): KeptScores {
    const candidates = this.scan(scores);
    const { ids, heap } = this;
    const threshold = heap[0];
    let count = 0;
    for (let c = 0; c < candidates; c++) {
      const id = ids[c];
      if (scores[id] < threshold) continue;
      ids[count] = id;
      this.scores[count++] = scores[id];
    }
    return { ids: ids.subarray(0, count), scores: this.scores.subarray(0, count) };
  }

  /**
   * What `select` gives for a row of `rowLength` scores, from its ranked largest ones (a row without NaN), with
   * their ascending order for top-p, which the ranking gives for free: or undefined when they may not hold every
   * kept id — fewer than k, or the last tied with the k-th, so that the tie may go on past them — unless they are
   * the whole row.
   */
  selectRanked(ranked: RankedScores, rowLength: number): KeptScores | undefined {
    const n = ranked.scores.length;
    const k = Math.min(this.k, rowLength) | 0;
    if (k === 0 || n < k) return undefined;
    const threshold = ranked.scores[k - 1];
    if (n < rowLength && !(ranked.scores[n - 1] < threshold)) return undefined;
    let count = k;
    while (count < n && !(ranked.scores[count] < threshold)) count++;
    // Into id order, as `select` keeps them (the draw sums in that order): the engine's numeric sort of
    // id·2^b + rank, faster than any sort with a comparator or by insertion.
    const rankBits = 32 - Math.clz32(count - 1);
    if (rowLength > 2 ** (31 - rankBits)) return undefined;
    if (this.keys.length < count) {
      this.keys = new Int32Array(n);
      this.positions = new Int32Array(n);
      this.ascending = new Int32Array(n);
    }
    if (this.ids.length < count) {
      this.ids = new Int32Array(rowLength);
      this.scores = new Float32Array(rowLength);
    }
    const { ids, scores, positions, ascending } = this;
    const keys = this.keys.subarray(0, count);
    for (let rank = 0; rank < count; rank++) keys[rank] = (ranked.ids[rank] << rankBits) | rank;
    keys.sort();
    const rankMask = (1 << rankBits) - 1;
    for (let at = 0; at < count; at++) {
      const rank = keys[at] & rankMask;
      ids[at] = keys[at] >> rankBits;
      scores[at] = ranked.scores[rank];
      positions[rank] = at;
    }
    // Ascending by score, equal ones by id: the ranks backwards, each run of equal scores forwards (ids ascend in it).
    let next = 0;
    for (let end = count; end > 0; ) {
      let start = end - 1;
      while (start > 0 && ranked.scores[start - 1] === ranked.scores[start]) start--;
      for (let rank = start; rank < end; rank++) ascending[next++] = positions[rank];
      end = start;
    }
    return { ids: ids.subarray(0, count), scores: scores.subarray(0, count), ascending: ascending.subarray(0, count) };
  }

  /** The candidates' count; see scanCandidates. */
  private scan(scores: Float32Array): number {
    if (this.ids.length < scores.length) {
      this.ids = new Int32Array(scores.length);
      this.scores = new Float32Array(scores.length);
    }
    // `| 0` keeps k a small integer for V8: from Math.min it is a double, and every heap index with it (×1.5 slower).
    return scanCandidates(scores, Math.min(this.k, scores.length) | 0, this.heap, this.ids);
  }
}

/** Fills `heap` with the row's k largest scores (the root is the k-th) and `ids` with the candidates; their count. */
function scanCandidates(scores: Float32Array, k: number, heap: Float64Array, ids: Int32Array): number {
  for (let i = 0; i < k; i++) {
    siftUp(heap, i, scores[i]);
    ids[i] = i;
  }
  let candidates = k;
  let root = heap[0];
  for (let i = k; i < scores.length; i++) {
    const v = scores[i];
    if (v < root) continue;
    ids[candidates++] = i;
    if (v > root) {
      heap[0] = v;
      siftDown(heap, k);
      root = heap[0];
    }
  }
  return candidates;
}

/** Adds `value` at `heap[end]` to the min-heap `heap[0, end)`. */
function siftUp(heap: Float64Array, end: number, value: number): void {
  let j = end;
  heap[j] = value;
  while (j > 0) {
    const parent = (j - 1) >> 1;
    if (heap[parent] <= heap[j]) return;
    const swap = heap[parent];
    heap[parent] = heap[j];
    heap[j] = swap;
    j = parent;
  }
}

/** Restores the min-heap `heap[0, size)` after its root grew. */
function siftDown(heap: Float64Array, size: number): void {
  let i = 0;
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
}
