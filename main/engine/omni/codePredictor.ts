/**
 * The code predictor (qwen3-omni.md §9.1, §9.3): codes 1 … G−1 of a frame, one decoder run each, from the talker's
 * post-norm last hidden state and the frame's group-0 code. A fresh KV cache per frame: the first run takes
 * `[h_last, codec_embedding(c0)]` (2 positions), each later run the embedding of the code just chosen in its own
 * group's table, and `head_index` g − 1 picks `lm_head[g−1]` for group g. Sampling as transformers' `generate` sets
 * it for the code predictor: top-k 50 → top-p 0.8 → draw, or argmax when the talker decodes greedily.
 */
import type * as ort from 'onnxruntime-node';
import { Tensor } from 'onnxruntime-node';
import { KvCache, type KvSpec } from '../runtime/kvCache';
import type { NextToken, SamplingSettings } from '../runtime/sampling/sampler';
import { guardedRun, type RunClock } from './guardedRun';

/** transformers 5.18 `Qwen3OmniMoeForConditionalGeneration.generate` for the code predictor (§9.5). */
export const CODE_PREDICTOR_SAMPLING: Omit<SamplingSettings, 'doSample'> = { temperature: 1, topK: 50, topP: 0.8, repetitionPenalty: 1, suppressTokens: [] };

/** Embeddings `[n, H]` of `codes`, code k in group `firstGroup + k` (the codec_embed graph). */
export type EmbedCodes = (codes: readonly number[], firstGroup: number, signal?: AbortSignal) => Promise<Float32Array>;

export class CodePredictor {
  constructor(
    private readonly session: ort.InferenceSession,
    private readonly kv: KvSpec,
    private readonly kvDtype: 'float32' | 'float16',
    private readonly numCodeGroups: number,
    private readonly hiddenSize: number,
    private readonly embedCodes: EmbedCodes,
    private readonly clock: RunClock,
  ) {}

  /** The frame's G codes: `c0`, then one per code predictor run. */
  async predict(lastHidden: Float32Array, c0: number, sampler: NextToken, signal?: AbortSignal): Promise<number[]> {
    const H = this.hiddenSize;
    const cache = new KvCache(this.kv, this.kvDtype);
    const codes = [c0];
    const first = new Float32Array(2 * H);
    first.set(lastHidden);
    first.set(await this.embedCodes([c0], 0, signal), H);
    let input: Float32Array = first;
    for (let group = 1; group < this.numCodeGroups; group++) {
      const n = input.length / H;
      const out = await guardedRun(
        this.session,
        {
          inputs_embeds: new Tensor('float32', input, [1, n, H]),
          attention_mask: cache.attentionMask(n),
          head_index: new Tensor('int64', BigInt64Array.of(BigInt(group - 1)), []),
          ...cache.feeds(),
        },
        this.clock,
        signal,
      );
      cache.update(out, n);
      codes.push(sampler.next(out.logits.data as Float32Array, []));
      if (group + 1 < this.numCodeGroups) input = await this.embedCodes([codes[group]], group, signal);
    }
    return codes;
  }
}
