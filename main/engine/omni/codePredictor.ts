/**
 * The code predictor (qwen3-omni.md §9.1, §9.3): codes 1 … G−1 of a frame, one decoder run each, from the talker's
 * post-norm last hidden state and the frame's group-0 code. A fresh KV cache per frame: the first run takes
 * `[h_last, codec_embedding(c0)]` (2 positions), each later run the embedding of the code just chosen in its own
 * group's table, and `head_index` g − 1 picks `lm_head[g−1]` for group g. Sampling as transformers' `generate` sets
 * it for the code predictor: top-k 50 → top-p 0.8 → draw, or argmax when the talker decodes greedily.
 */
import type * as ort from '../runtime/ort';
import { Tensor } from '../runtime/ort';
import { KvCache, type KvSpec } from '../runtime/kvCache';
import type { NextToken, SamplingSettings } from '../runtime/sampling/sampler';
import { guardedRun, type RunClock } from './guardedRun';

/** transformers 5.18 `Qwen3OmniMoeForConditionalGeneration.generate` for the code predictor (§9.5). */
export const CODE_PREDICTOR_SAMPLING: Omit<SamplingSettings, 'doSample'> = { temperature: 1, topK: 50, topP: 0.8, repetitionPenalty: 1, suppressTokens: [] };

/** Embeddings `[n, H]` of `codes`, code k in group `firstGroup + k` (the codec_embed graph). */
export type EmbedCodes = (codes: readonly number[], firstGroup: number, signal?: AbortSignal) => Promise<Float32Array>;

/** The codes of one frame: `c0`, then one per code predictor run. */
export type PredictFrame = (lastHidden: Float32Array, c0: number, signal?: AbortSignal) => Promise<number[]>;

export class CodePredictor {
  /**
   * Feeds that are the same in every frame, made once (a frame is 15 runs, and per-run host work is what the
   * per-frame budget of issue 6 counts): `head_index` k = g − 1 for group g, and KvCache's all-ones mask by length.
   */
  private readonly headIndex: Tensor[];
  private readonly masks: Tensor[];
  /** Whether the graph ranks its logits (`top_logits`, `top_ids`); bundles built before it did draw from the row. */
  private readonly ranked: boolean;

  constructor(
    private readonly session: ort.InferenceSession,
    private readonly kv: KvSpec,
    private readonly kvDtype: 'float32' | 'float16',
    private readonly numCodeGroups: number,
    private readonly hiddenSize: number,
    private readonly embedCodes: EmbedCodes,
    private readonly clock: RunClock,
  ) {
    this.headIndex = Array.from({ length: numCodeGroups - 1 }, (_, k) => new Tensor('int64', BigInt64Array.of(BigInt(k)), []));
    // A frame's runs attend to 2, 3, … G positions.
    this.masks = Array.from({ length: numCodeGroups + 1 }, (_, n) => new Tensor('int64', new BigInt64Array(n).fill(1n), [1, n]));
    this.ranked = session.outputNames.includes('top_logits');
  }

  /**
   * The frames of one talker generation, codes drawn by `sampler`. Its cache and first input are reused from frame
   * to frame, and are its own: a generation cancelled while another starts never shares them.
   */
  generation(sampler: NextToken): PredictFrame {
    const H = this.hiddenSize;
    const cache = new KvCache(this.kv, this.kvDtype);
    const first = new Float32Array(2 * H);
    const firstInput = new Tensor('float32', first, [1, 2, H]);
    return async (lastHidden, c0, signal) => {
      cache.clear();
      const codes = [c0];
      first.set(lastHidden);
      first.set(await this.embedCodes([c0], 0, signal), H);
      let input = firstInput;
      for (let group = 1; group < this.numCodeGroups; group++) {
        const n = input.dims[1];
        const out = await guardedRun(
          this.session,
          { inputs_embeds: input, attention_mask: this.masks[cache.length + n], head_index: this.headIndex[group - 1], ...cache.feeds() },
          this.clock,
          signal,
        );
        cache.update(out, n);
        const ranked = this.ranked ? { scores: out.top_logits.data as Float32Array, ids: out.top_ids.data as Int32Array } : undefined;
        codes.push(sampler.next(out.logits.data as Float32Array, NO_HISTORY, ranked));
        if (group + 1 < this.numCodeGroups) input = new Tensor('float32', await this.embedCodes([codes[group]], group, signal), [1, 1, H]);
      }
      return codes;
    };
  }
}

/** The code predictor's draws have no repetition penalty. */
const NO_HISTORY: readonly number[] = [];
