/**
 * Choosing the next token as transformers' `generate` does (qwen3-omni.md §9.5): the logits processors it would
 * build from the settings, in its order — repetition penalty → suppressed ids → temperature → top-k → top-p — then
 * argmax (greedy) or one draw from the softmax of what is left.
 */
import { repetitionPenalty, suppressTokens, temperature, topK, topP, type LogitsProcessor, type TopPStep } from './logitsProcessors';
import { TopKSelection, type RankedScores } from './topKSelection';
import { Xoshiro128 } from './rng';

export interface SamplingSettings {
  doSample: boolean;
  temperature: number;
  /** 0 = no top-k step. */
  topK: number;
  /** 1 = no top-p step. */
  topP: number;
  /** 1 = no penalty. */
  repetitionPenalty: number;
  suppressTokens: readonly number[];
}

/**
 * The processor list of `_get_logits_processor` for these settings: processors always, warpers only when sampling,
 * each only when it would change something (penalty ≠ 1, T ≠ 1, k ≠ 0, p < 1), as transformers decides.
 */
export function logitsProcessors(settings: SamplingSettings): LogitsProcessor[] {
  const steps: LogitsProcessor[] = [];
  if (settings.repetitionPenalty !== 1) steps.push(repetitionPenalty(settings.repetitionPenalty));
  if (settings.suppressTokens.length > 0) steps.push(suppressTokens(settings.suppressTokens));
  if (settings.doSample) {
    if (settings.temperature !== 1) steps.push(temperature(settings.temperature));
    if (settings.topK !== 0) steps.push(topK(settings.topK));
    if (settings.topP < 1) steps.push(topP(settings.topP));
  }
  return steps;
}

/** Index of the largest score, the first one on ties (torch.argmax). */
export function argmax(scores: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i] > scores[best]) best = i;
  return best;
}

/**
 * One draw from softmax(scores) by inverse CDF: the first id whose cumulative probability exceeds `uniform`
 * (in [0, 1)). −∞ scores are never drawn.
 */
export function drawFromScores(scores: Float32Array, uniform: number): number {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i] > max) max = scores[i];
  if (max === -Infinity) throw new Error('drawFromScores: every token is masked');
  let total = 0;
  for (let i = 0; i < scores.length; i++) if (scores[i] !== -Infinity) total += Math.exp(scores[i] - max);
  const target = uniform * total;
  let cumulative = 0;
  let last = -1;
  for (let i = 0; i < scores.length; i++) {
    if (scores[i] === -Infinity) continue;
    cumulative += Math.exp(scores[i] - max);
    last = i;
    if (cumulative > target) return i;
  }
  // Rounding can leave the sum a hair below target when uniform is near 1: the last live token.
  return last;
}

/**
 * What a generation loop needs: the next id from a raw logits row and the ids the penalty sees — and, from a graph
 * that ranks its logits, the row's largest ones, which spare the sampler a pass over the row.
 */
export interface NextToken {
  next(scores: Float32Array, history: ArrayLike<number>, ranked?: RankedScores): number;
}

/**
 * Next-token choice for one generation: the processor list is built once, the random stream is its own.
 *
 * A draw after top-k goes on with the k kept ids only: top-p and the draw over them, in id order, give the same
 * token as over the whole masked vocabulary (−∞ scores add exactly 0 to every sum), at a fraction of the cost —
 * what keeps the talker's 16 draws per frame cheap.
 */
export class TokenSampler implements NextToken {
  private readonly steps: LogitsProcessor[];
  /** When drawing with top-k: the steps before it, k, and top-p (if any), which runs on the kept ids. */
  private readonly kept?: { before: LogitsProcessor[]; topK: TopKSelection; topP?: TopPStep };
  private readonly rng?: Xoshiro128;

  constructor(
    readonly settings: SamplingSettings,
    seed: number | bigint = Date.now(),
  ) {
    this.steps = logitsProcessors(settings);
    if (settings.doSample) this.rng = Xoshiro128.fromSeed(seed);
    if (settings.doSample && settings.topK !== 0) {
      const before = logitsProcessors({ ...settings, topK: 0, topP: 1 });
      this.kept = { before, topK: new TopKSelection(settings.topK), topP: settings.topP < 1 ? topP(settings.topP) : undefined };
    }
  }

  /**
   * The chosen id for the raw logits row `scores`, which it uses as scratch space. `ranked`, the row's largest
   * logits, gives the same id without reading the row where no step comes before top-k (or argmax) to change them.
   */
  next(scores: Float32Array, history: ArrayLike<number>, ranked?: RankedScores): number {
    if (this.rng && this.kept) {
      for (const step of this.kept.before) step(scores, history);
      const fromRanked = ranked && this.kept.before.length === 0 ? this.kept.topK.selectRanked(ranked, scores.length) : undefined;
      const { ids, scores: kept, ascending } = fromRanked ?? this.kept.topK.select(scores);
      this.kept.topP?.(kept, history, ascending);
      return ids[drawFromScores(kept, this.rng.nextFloat())];
    }
    for (const step of this.steps) step(scores, history);
    if (this.rng) return drawFromScores(scores, this.rng.nextFloat());
    // The first of the largest: argmax's choice among equals too.
    return ranked && ranked.ids.length > 0 && this.steps.length === 0 ? ranked.ids[0] : argmax(scores);
  }
}
