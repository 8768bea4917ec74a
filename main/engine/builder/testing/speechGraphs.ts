/**
 * Test helper: the talker-side graphs of the tiny checkpoint (talker_proj, codec_embed, talker, code_predictor),
 * built into temporary folders and driven through their contracts the way the talker loop will drive them
 * (qwen3-omni.md §9.3): the talker with a growing KV cache and host M-RoPE, the code predictor with a fresh cache
 * per frame, greedy picks. Batch 1.
 */
import * as ort from '../../runtime/ort';
import { KvCache } from '../../runtime/kvCache';
import { mropeCosSin } from '../../runtime/mrope';
import { argmax } from '../../runtime/sampling/sampler';
import { TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { makeCodecEmbed } from '../graphs/codecEmbed';
import { makeCodePredictor } from '../graphs/codePredictor';
import { PAST_PATTERN, PRESENT_PATTERN } from '../graphs/io';
import type { Precision } from '../graphs/layers/context';
import { makeTalker } from '../graphs/talkerDecoder';
import { makeTalkerProjection } from '../graphs/talkerProjection';
import { openCheckpoint } from '../safetensors';
import { readSpeechConfig, type SpeechConfig } from '../speechConfig';
import { WeightReader } from '../weights';
import { buildGraphSession, type BuiltSession } from './buildGraph';

const int64 = (values: number[], dims: number[]) => new ort.Tensor('int64', BigInt64Array.from(values, BigInt), dims);

/** One run of a decoder graph on its cache: the cache's pasts and mask, the presents kept. */
async function runCached(session: ort.InferenceSession, cache: KvCache, feeds: Record<string, ort.Tensor>, added: number) {
  const out = await session.run({ ...feeds, ...cache.feeds(), attention_mask: cache.attentionMask(added) });
  cache.update(out as Record<string, ort.Tensor>, added);
  return out;
}

export interface SpeechGraphs {
  config: SpeechConfig;
  /** text_projection / hidden_projection of thinker rows `[n, Ht]` (either may be empty). */
  project(embeds: Float32Array, hidden: Float32Array): Promise<{ text: Float32Array; hidden: Float32Array }>;
  /**
   * codec_embed of `batch` rows of codes, each of groups `groupOffset …`: one embedding per code and each row's sum.
   * Codes of one group (the prompt's control ids) go as `batch` rows of one code.
   */
  embedCodes(codes: number[], groupOffset: number, batch?: number): Promise<{ embeds: Float32Array; sum: Float32Array }>;
  /** Empties the talker's cache (a new utterance). */
  resetTalker(): void;
  /** Talker rows `[n, Hk]` at M-RoPE positions `[3, n]` after everything so far: last-position logits and hidden. */
  talkerStep(embeds: Float32Array, positions: ArrayLike<number>): Promise<{ logits: Float32Array; lastHidden: Float32Array }>;
  /** Groups 1…G−1 of a frame, greedy, from the talker's last hidden and the frame's group-0 code. */
  predictFrame(lastHidden: Float32Array, c0: number): Promise<{ codes: number[]; logits: Float32Array[] }>;
  release(): Promise<void>;
}

/**
 * `precision` is the variant's, given to every graph as build.ts would (only the talker quantises; the others keep
 * fp32 by design); `weights` defaults to the checkpoint's.
 */
export async function openSpeechGraphs(precision: Precision = { kind: 'fp32' }, weights?: WeightReader): Promise<SpeechGraphs> {
  const config = (await readSpeechConfig(TINY_CHECKPOINT_DIR))!;
  const reader = weights ?? new WeightReader(await openCheckpoint(TINY_CHECKPOINT_DIR));
  const { talker: t, codePredictor: cp } = config;
  const built: BuiltSession[] = [
    await buildGraphSession('talker_proj', reader, precision, (ctx) => makeTalkerProjection(ctx, t)),
    await buildGraphSession('codec_embed', reader, precision, (ctx) => makeCodecEmbed(ctx, config)),
    await buildGraphSession('talker', reader, precision, (ctx) => makeTalker(ctx, t)),
    await buildGraphSession('code_predictor', reader, precision, (ctx) => makeCodePredictor(ctx, cp, t.numCodeGroups)),
  ];
  const [projection, codecEmbed, talkerSession, predictorSession] = built.map((b) => b.session);
  const kv = (layers: number, kvHeads: number, headDim: number) => new KvCache({ layers, kvHeads, headDim, pastName: PAST_PATTERN, presentName: PRESENT_PATTERN });
  const talker = kv(t.numLayers, t.numKvHeads, t.headDim);
  const predictor = kv(cp.numLayers, cp.numKvHeads, cp.headDim);
  const H = t.hiddenSize;

  const embedCodes = async (codes: number[], groupOffset: number, batch = 1) => {
    const out = await codecEmbed.run({ codes: int64(codes, [batch, codes.length / batch]), group_offset: int64([groupOffset], []) });
    return { embeds: out.embeds.data as Float32Array, sum: out.embeds_sum.data as Float32Array };
  };

  return {
    config,
    async project(embeds, hidden) {
      const Ht = t.thinkerHiddenSize;
      const out = await projection.run({
        thinker_embeds: new ort.Tensor('float32', embeds, [embeds.length / Ht, Ht]),
        thinker_hidden: new ort.Tensor('float32', hidden, [hidden.length / Ht, Ht]),
      });
      return { text: out.text_proj.data as Float32Array, hidden: out.hidden_proj.data as Float32Array };
    },
    embedCodes,
    resetTalker: () => talker.clear(),
    async talkerStep(embeds, positions) {
      const n = embeds.length / H;
      const { cos, sin } = mropeCosSin(positions, t.headDim, t.rope.theta, t.rope.mropeSection);
      const half = t.headDim / 2;
      const out = await runCached(
        talkerSession,
        talker,
        {
          inputs_embeds: new ort.Tensor('float32', embeds, [1, n, H]),
          rope_cos: new ort.Tensor('float32', cos, [1, n, half]),
          rope_sin: new ort.Tensor('float32', sin, [1, n, half]),
        },
        n,
      );
      return { logits: out.logits.data as Float32Array, lastHidden: out.last_hidden.data as Float32Array };
    },
    async predictFrame(lastHidden, c0) {
      predictor.clear();
      const codes = [c0];
      const logits: Float32Array[] = [];
      let input: Float32Array = Float32Array.of(...lastHidden, ...(await embedCodes([c0], 0)).embeds);
      for (let group = 1; group < t.numCodeGroups; group++) {
        const n = input.length / H;
        const out = await runCached(predictorSession, predictor, { inputs_embeds: new ort.Tensor('float32', input, [1, n, H]), head_index: int64([group - 1], []) }, n);
        logits.push(out.logits.data as Float32Array);
        codes.push(argmax(logits[logits.length - 1]));
        if (group + 1 < t.numCodeGroups) input = (await embedCodes([codes[group]], group)).embeds;
      }
      return { codes, logits };
    },
    async release() {
      for (const b of built) await b.release();
    },
  };
}
