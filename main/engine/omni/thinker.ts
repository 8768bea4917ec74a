/**
 * The Thinker (qwen3-omni.md §§7–8): prefill of a prompt — token embeddings from `embed_tokens`, encoder rows
 * scattered into the media slots, deepstack features at the visual slots, M-RoPE positions — then one token per
 * decoder run, each new token at position `cache index + rope delta` on all three axes, until `<|im_end|>` or the
 * token limit. The chosen token is never fed back when generation stops, as in transformers, so the cache ends one
 * token short of the reply.
 *
 * Cancellation: the AbortSignal is checked before every decoder run and after it, so an abort costs at most the run
 * in flight and no token is reported after it. A caller that stops iterating ends generation the same way.
 */
import path from 'node:path';
import type * as ort from '../runtime/ort';
import { Tensor } from '../runtime/ort';
import { z } from 'zod';
import { loadModelConfig, readJsonFile, validate } from '../processor/config';
import { decodePositionIds } from '../processor/ropeIndex';
import type { LoadedBundle } from '../runtime/bundle';
import { KvCache, type KvSpec } from '../runtime/kvCache';
import { mropeCosSin } from '../runtime/mrope';
import type { NextToken } from '../runtime/sampling/sampler';
import type { SessionManager } from '../runtime/sessions';
import { mediaSlots, scatterMedia, type MediaFeatures, type MediaTokenIds } from './mediaScatter';

/** transformers' `thinker_max_new_tokens` default of `Qwen3OmniMoeForConditionalGeneration.generate`. */
export const THINKER_MAX_NEW_TOKENS = 1024;

export interface ThinkerSettings {
  hiddenSize: number;
  vocabSize: number;
  deepstackLayers: number;
  /** Null for checkpoints without a talker: the graph has no accept-layer output. */
  acceptHiddenLayer: number | null;
  rope: { theta: number; section: readonly number[] };
  kv: KvSpec;
  kvDtype: 'float32' | 'float16';
  /** `<|im_end|>`: generation stops after it (transformers' `thinker_eos_token_id`). */
  eosTokenId: number;
  mediaTokens: MediaTokenIds;
  /** No position may reach the thinker's `max_position_embeddings`. */
  maxPositions: number;
}

const stopTokenSchema = z.object({ im_end_token_id: z.int().nonnegative() }).loose();

/** The manifest's numbers for the thinker graph and the ids config.json gives (read from the bundle's copy). */
export function thinkerSettings(bundle: LoadedBundle): ThinkerSettings {
  const { thinker } = bundle.manifest.graphs;
  const configFile = path.join(bundle.dir, 'config.json');
  const model = loadModelConfig(bundle.dir);
  return {
    hiddenSize: thinker.extra.hiddenSize,
    vocabSize: thinker.extra.vocabSize,
    deepstackLayers: thinker.extra.deepstackLayers,
    acceptHiddenLayer: thinker.extra.acceptHiddenLayer,
    rope: { theta: thinker.extra.rope.theta, section: thinker.extra.rope.section },
    kv: thinker.kv,
    kvDtype: bundle.manifest.variants[bundle.variant].kv.dtype,
    eosTokenId: validate(stopTokenSchema, readJsonFile(configFile), configFile).im_end_token_id,
    mediaTokens: { audio: model.thinker.audioTokenId, image: model.thinker.imageTokenId, video: model.thinker.videoTokenId },
    maxPositions: model.maxPositionEmbeddings,
  };
}

export interface ThinkerPrompt {
  /** The whole prompt; the cache already holds its first `cache.length` positions. */
  inputIds: BigInt64Array;
  /** `[3, S]` T/H/W rows of the whole prompt (the processor's rope index). */
  positionIds: ArrayLike<number>;
  ropeDelta: number;
  /** Encoder rows for the media slots at positions ≥ `cache.length`, each kind in slot order. */
  media?: MediaFeatures;
}

export interface GenerateOptions {
  cache: KvCache;
  sampler: NextToken;
  maxNewTokens: number;
  /** transformers' `thinker_eos_token_id`; default the checkpoint's `<|im_end|>`. */
  eosTokenId?: number;
  signal?: AbortSignal;
  /** Prompt positions per prefill run (default PREFILL_CHUNK_TOKENS). */
  prefillChunk?: number;
}

/**
 * A long prompt is prefilled in runs of this many positions, each extending the cache the one before filled. One
 * run of a whole prompt (an image, a minute of audio: thousands of positions) holds onnxruntime for tens of seconds
 * on the CPU, which a Stop cannot cut short, and its attention scores ([heads, S, T] per layer) grow with the
 * square of the prompt; a chunk bounds both, at the price of a few more, smaller runs.
 */
export const PREFILL_CHUNK_TOKENS = 512;

export type StopReason = 'eos' | 'max-tokens' | 'cancelled';

export interface ThinkerTimings {
  /** Positions prefilled (the prompt minus what the cache held). */
  prefillTokens: number;
  /** Embedding, scatter and decoder run of the prefill, to the first token chosen. */
  prefillMs: number;
  /** Tokens fed back through the decoder. */
  decodeTokens: number;
  /** Wall time of those decode steps (embedding, rotary, run, sampling). */
  decodeMs: number;
  /** The part of `decodeMs` inside `session.run` (embed_tokens + thinker). */
  decodeRunMs: number;
}

export interface ThinkerResult {
  /** Generated ids, the final `<|im_end|>` included when generated. */
  tokenIds: number[];
  stopReason: StopReason;
  timings: ThinkerTimings;
}

export type ThinkerEvent =
  /** After the prefill: accept-layer hidden rows (`[H]`) at the media slots it ran, by prompt position (talker input). */
  | { type: 'prefill'; acceptHidden: Map<number, Float32Array> }
  | { type: 'token'; id: number }
  | { type: 'done'; result: ThinkerResult };

export class Thinker {
  private readonly noDeepstack: Tensor | undefined;
  /** Milliseconds spent inside `session.run` so far: the share of host work in decoding is measured against it. */
  private runMs = 0;

  private constructor(
    readonly settings: ThinkerSettings,
    private readonly embedSession: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
  ) {
    const { deepstackLayers: K, hiddenSize: H } = settings;
    this.noDeepstack = decoder.inputNames.includes('deepstack_embeds') ? new Tensor('float32', new Float32Array(K * H), [K, 1, 1, H]) : undefined;
  }

  static async open(bundle: LoadedBundle, sessions: SessionManager): Promise<Thinker> {
    const settings = thinkerSettings(bundle);
    const embed = await sessions.open('embed_tokens', bundle.graphPath('embed_tokens'));
    const decoder = await sessions.open('thinker', bundle.graphPath('thinker'));
    return new Thinker(settings, embed, decoder);
  }

  /** A cache shaped for this thinker's graph. */
  createCache(): KvCache {
    return new KvCache(this.settings.kv, this.settings.kvDtype);
  }

  /** Token embeddings `[n, H]` of `ids`. */
  async embed(ids: BigInt64Array): Promise<Float32Array> {
    const out = await this.timed(this.embedSession, { input_ids: new Tensor('int64', ids, [1, ids.length]) });
    return out.inputs_embeds.data as Float32Array;
  }

  /**
   * One decoder run of `embeds` (`[n, H]`) after the cached positions, at `positions` (`[3, n]`), with the dense
   * deepstack input `[K, n, H]` if any slot is visual. Extends the cache by n.
   */
  async forward(cache: KvCache, embeds: Float32Array, positions: ArrayLike<number>, deepstack?: Float32Array): Promise<{ logits: Float32Array; acceptHidden?: Float32Array }> {
    const { hiddenSize: H, deepstackLayers: K, kv, rope } = this.settings;
    const n = embeds.length / H;
    const { cos, sin } = mropeCosSin(positions, kv.headDim, rope.theta, rope.section);
    const feeds: Record<string, Tensor> = {
      inputs_embeds: new Tensor('float32', embeds, [1, n, H]),
      attention_mask: cache.attentionMask(n),
      rope_cos: new Tensor('float32', cos, [1, n, kv.headDim / 2]),
      rope_sin: new Tensor('float32', sin, [1, n, kv.headDim / 2]),
      ...cache.feeds(),
    };
    if (this.noDeepstack) {
      feeds.deepstack_embeds = deepstack
        ? new Tensor('float32', deepstack, [K, 1, n, H])
        : n === 1
          ? this.noDeepstack
          : new Tensor('float32', new Float32Array(K * n * H), [K, 1, n, H]);
    }
    const out = await this.timed(this.decoder, feeds);
    cache.update(out, n);
    return { logits: out.logits.data as Float32Array, acceptHidden: out.accept_hidden_states?.data as Float32Array | undefined };
  }

  private async timed(session: ort.InferenceSession, feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    const start = performance.now();
    try {
      return (await session.run(feeds)) as Record<string, Tensor>;
    } finally {
      this.runMs += performance.now() - start;
    }
  }

  /** Prefill, then decode token by token; yields each token as it is chosen, then the result. */
  async *generate(prompt: ThinkerPrompt, options: GenerateOptions): AsyncGenerator<ThinkerEvent> {
    const { cache, sampler, signal } = options;
    const { hiddenSize: H, mediaTokens } = this.settings;
    const eosTokenId = options.eosTokenId ?? this.settings.eosTokenId;
    const S = prompt.inputIds.length;
    if (S === 0) throw new Error('Thinker.generate: empty prompt');
    // The last prompt position must run: its logits choose the first token.
    if (cache.length >= S) cache.truncate(S - 1);
    const start = cache.length;
    const maxNewTokens = Math.min(options.maxNewTokens, this.settings.maxPositions - S);
    const tokenIds: number[] = [];
    const timings: ThinkerTimings = { prefillTokens: S - start, prefillMs: 0, decodeTokens: 0, decodeMs: 0, decodeRunMs: 0 };
    const done = (stopReason: StopReason): ThinkerEvent => ({ type: 'done', result: { tokenIds, stopReason, timings } });
    if (signal?.aborted || maxNewTokens <= 0) {
      yield done(signal?.aborted ? 'cancelled' : 'max-tokens');
      return;
    }

    // Prefill of the positions the cache lacks, a chunk per run; a cancel stops it between two.
    const prefillStart = performance.now();
    const ids = prompt.inputIds.subarray(start);
    const embeds = await this.embed(ids);
    const deepstack = scatterMedia(ids, embeds, prompt.media ?? {}, mediaTokens, { hidden: H, deepstackLayers: this.settings.deepstackLayers });
    const n = ids.length;
    const slots = mediaSlots(ids, mediaTokens);
    const media = [...slots.audio, ...slots.image, ...slots.video].sort((a, b) => a - b);
    const acceptHidden = new Map<number, Float32Array>();
    const chunk = options.prefillChunk ?? PREFILL_CHUNK_TOKENS;
    let logits: Float32Array | undefined;
    for (let from = 0; from < n; from += chunk) {
      if (signal?.aborted) {
        // As if the prefill never ran: the talker rows of the chunks that did are not reported, so no later turn
        // may reuse their cache.
        cache.truncate(start);
        yield done('cancelled');
        return;
      }
      const to = Math.min(n, from + chunk);
      const positions = new Float64Array(3 * (to - from));
      for (let axis = 0; axis < 3; axis++) for (let s = from; s < to; s++) positions[axis * (to - from) + s - from] = prompt.positionIds[axis * S + start + s];
      const out = await this.forward(cache, embeds.subarray(from * H, to * H), positions, deepstack && deepstackRows(deepstack, n, H, from, to));
      logits = out.logits;
      if (out.acceptHidden) {
        for (const s of media) if (s >= from && s < to) acceptHidden.set(start + s, out.acceptHidden.slice((s - from) * H, (s - from + 1) * H));
      }
    }
    // The penalty (when set) sees the whole sequence, prompt included, as transformers' input_ids.
    const history = Array.from(prompt.inputIds, Number);
    let token = sampler.next(logits as Float32Array, history);
    timings.prefillMs = performance.now() - prefillStart;
    yield { type: 'prefill', acceptHidden };
    if (signal?.aborted) {
      yield done('cancelled');
      return;
    }

    for (;;) {
      tokenIds.push(token);
      history.push(token);
      yield { type: 'token', id: token };
      if (token === eosTokenId) break;
      if (tokenIds.length >= maxNewTokens) break;
      if (signal?.aborted) {
        yield done('cancelled');
        return;
      }
      const stepStart = performance.now();
      const runBefore = this.runMs;
      const embed = await this.embed(BigInt64Array.of(BigInt(token)));
      // A cancel that came while the embedding ran: the decoder step must not start after it.
      if (signal?.aborted) {
        yield done('cancelled');
        return;
      }
      const { logits } = await this.forward(cache, embed, decodePositionIds(cache.length, 1, prompt.ropeDelta));
      token = sampler.next(logits, history);
      timings.decodeRunMs += this.runMs - runBefore;
      timings.decodeTokens++;
      timings.decodeMs += performance.now() - stepStart;
      if (signal?.aborted) {
        yield done('cancelled');
        return;
      }
    }
    yield done(token === eosTokenId ? 'eos' : 'max-tokens');
  }
}

/** Positions `from`..`to` of the dense deepstack input `[K, n, H]`, as `[K, to − from, H]`. */
function deepstackRows(deepstack: Float32Array, n: number, H: number, from: number, to: number): Float32Array {
  if (from === 0 && to === n) return deepstack;
  const K = deepstack.length / (n * H);
  const rows = new Float32Array(K * (to - from) * H);
  for (let k = 0; k < K; k++) rows.set(deepstack.subarray((k * n + from) * H, (k * n + to) * H), k * (to - from) * H);
  return rows;
}
