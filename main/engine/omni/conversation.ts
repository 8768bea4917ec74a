/**
 * A conversation with the Thinker, turn by turn, keeping its KV cache between turns where that is valid.
 *
 * Each turn is the whole conversation so far (the chat template renders every message, as transformers'
 * processor does); the cache is reused for the longest prefix of the new prompt that matches what it holds —
 * the same ids and, at media slots, the same media item (equal ids do not mean equal audio). Positions of a prefix
 * do not depend on what follows it (the rope index walks left to right, and a reply's tokens sit at
 * `index + delta`, where the next prompt's rope index puts them too), so reused positions stay right. A prefix
 * never ends inside a media item: an item is either reused whole or encoded again. Everything else is prefilled;
 * when nothing matches, that is the whole prompt. The accept-layer hidden states at media slots are kept with the
 * cache, so the talker has them for every user turn (qwen3-omni.md §9.4).
 */
import { createHash } from 'node:crypto';
import type { ProcessorOutput, ProcessRequest, Qwen3OmniProcessor } from '../processor/processor';
import { resolveSampling } from '../runtime/sampling/generationConfig';
import { TokenSampler, type SamplingSettings } from '../runtime/sampling/sampler';
import type { KvCache } from '../runtime/kvCache';
import type { EncodeFrom, MediaEncoders } from './encoders';
import { TextStream } from './textStream';
import { THINKER_MAX_NEW_TOKENS, type StopReason, type Thinker, type ThinkerResult, type ThinkerTimings } from './thinker';

export type TurnRequest = ProcessRequest & {
  /** Over the bundle's defaults (generation_config.json); `doSample: false` is transformers' greedy decoding. */
  sampling?: Partial<SamplingSettings>;
  /** Seed of the sampling draws (default: the clock). */
  seed?: number;
  /** Default 1024, transformers' `thinker_max_new_tokens`. */
  maxNewTokens?: number;
  signal?: AbortSignal;
};

export interface TurnTimings extends ThinkerTimings {
  /** Chat template, media decoding and features, ids and rope index. */
  processMs: number;
  /** Audio and vision encoder runs. */
  encodeMs: number;
  /** Prompt positions whose cache was reused from the previous turn. */
  reusedTokens: number;
  /** From the turn's start to its first token (time to first token). */
  firstTokenMs: number;
  totalMs: number;
}

export type TurnEvent =
  /**
   * After the prompt's prefill: the processor's output, how many positions came from the cache, and the
   * accept-layer hidden states (`[H]`) at every media slot of the prompt, earlier turns included, by position —
   * what the talker needs before the first token.
   */
  | { type: 'prefill'; prompt: ProcessorOutput; reusedTokens: number; acceptHidden: ReadonlyMap<number, Float32Array> }
  /**
   * One per generated token (`tokenId`, the final `<|im_end|>` included), with the text it completes — '' while
   * a character is still incomplete or for `<|im_end|>`; one more without `tokenId` if text was held back at the
   * end. The deltas concatenated are the reply text.
   */
  | { type: 'text-delta'; text: string; tokenId?: number }
  | {
      type: 'done';
      /** The reply without the closing `<|im_end|>`. */
      text: string;
      tokenIds: number[];
      stopReason: StopReason;
      timings: TurnTimings;
      /** The processor's output for this turn's prompt (ids, positions, features …). */
      prompt: ProcessorOutput;
      /** As in the prefill event. */
      acceptHidden: ReadonlyMap<number, Float32Array>;
    };

/** A media slot's item as a key (`kind:hash`): text positions are null. */
type SlotKey = string | null;

export class Conversation {
  private readonly cache: KvCache;
  /** Ids and media keys of the cached positions. */
  private cachedIds: number[] = [];
  private cachedKeys: SlotKey[] = [];
  private readonly acceptHidden = new Map<number, Float32Array>();

  constructor(
    private readonly processor: Qwen3OmniProcessor,
    private readonly thinker: Thinker,
    private readonly encoders: MediaEncoders,
    private readonly samplingDefaults: SamplingSettings,
  ) {
    this.cache = thinker.createCache();
  }

  /** Positions the cache holds (prompt and fed-back reply tokens of earlier turns). */
  get cachedTokens(): number {
    return this.cache.length;
  }

  /** One turn: `request` holds the whole conversation, the new user message last. */
  async *send(request: TurnRequest): AsyncGenerator<TurnEvent> {
    const started = performance.now();
    const sampling = resolveSampling(this.samplingDefaults, request.sampling);
    const prompt = await this.processor.process(request);
    const processMs = performance.now() - started;
    const ids = Array.from(prompt.inputIds, Number);
    const keys = slotKeys(prompt, ids, this.thinker.settings.mediaTokens, this.processor.preprocessorConfig.imageProcessor.mergeSize);

    const reused = this.reusablePrefix(ids, keys);
    this.cache.truncate(reused);
    for (const position of this.acceptHidden.keys()) if (position >= reused) this.acceptHidden.delete(position);

    const encodeStart = performance.now();
    const media = await this.encoders.encode(prompt, itemsBefore(keys, reused));
    const encodeMs = performance.now() - encodeStart;

    const stream = new TextStream(this.processor.tokenizer);
    const eos = this.thinker.settings.eosTokenId;
    const tokens: number[] = [];
    let text = '';
    let firstTokenMs = 0;
    let result: ThinkerResult | undefined;
    let failed = false;
    try {
      const events = this.thinker.generate(
        { inputIds: prompt.inputIds, positionIds: prompt.positionIds, ropeDelta: prompt.ropeDelta, media },
        {
          cache: this.cache,
          sampler: new TokenSampler(sampling, request.seed),
          maxNewTokens: request.maxNewTokens ?? THINKER_MAX_NEW_TOKENS,
          signal: request.signal,
        },
      );
      for await (const event of events) {
        if (event.type === 'done') {
          result = event.result;
          break;
        }
        if (event.type === 'prefill') {
          for (const [position, row] of event.acceptHidden) this.acceptHidden.set(position, row);
          yield { type: 'prefill', prompt, reusedTokens: reused, acceptHidden: new Map(this.acceptHidden) };
          continue;
        }
        firstTokenMs ||= performance.now() - started;
        tokens.push(event.id);
        const delta = event.id === eos ? '' : stream.push(event.id);
        text += delta;
        yield { type: 'text-delta', text: delta, tokenId: event.id };
      }
    } catch (error) {
      // A failed run leaves the cache in an unknown state: the next turn starts afresh.
      failed = true;
      this.forget();
      throw error;
    } finally {
      // Also when the caller stops iterating early: the cache then holds the prompt and the tokens fed so far.
      if (!failed) this.remember([...ids, ...tokens], [...keys, ...tokens.map(() => null)]);
    }
    if (!result) throw new Error('Conversation.send: the thinker ended without a result');
    const tail = stream.finish();
    if (tail) {
      text += tail;
      yield { type: 'text-delta', text: tail };
    }
    yield {
      type: 'done',
      text,
      tokenIds: result.tokenIds,
      stopReason: result.stopReason,
      timings: { ...result.timings, processMs, encodeMs, reusedTokens: reused, firstTokenMs, totalMs: performance.now() - started },
      prompt,
      acceptHidden: new Map(this.acceptHidden),
    };
  }

  /** What the cache holds now: the leading part of this turn's sequence (prompt, then the tokens fed back). */
  private remember(ids: number[], keys: SlotKey[]): void {
    this.cachedIds = ids.slice(0, this.cache.length);
    this.cachedKeys = keys.slice(0, this.cache.length);
  }

  /** Drops the cache: the next turn prefills its whole prompt. */
  forget(): void {
    this.cache.clear();
    this.cachedIds = [];
    this.cachedKeys = [];
    this.acceptHidden.clear();
  }

  /** How many leading positions of the new prompt the cache already holds, never ending inside a media item. */
  private reusablePrefix(ids: readonly number[], keys: readonly SlotKey[]): number {
    // The last prompt position always runs: its logits choose the first token.
    const limit = Math.min(this.cache.length, ids.length - 1);
    let length = 0;
    while (length < limit && ids[length] === this.cachedIds[length] && keys[length] === this.cachedKeys[length]) length++;
    // Back up to the first slot of any item the prefix would cut (audio-in-video items interleave, so repeat).
    const spans = new Map<string, { first: number; last: number }>();
    keys.forEach((key, s) => {
      if (key === null) return;
      const span = spans.get(key);
      if (span) span.last = s;
      else spans.set(key, { first: s, last: s });
    });
    for (let cut = true; cut; ) {
      cut = false;
      for (const { first, last } of spans.values()) {
        if (first < length && length <= last) {
          length = first;
          cut = true;
        }
      }
    }
    return length;
  }
}

/**
 * Per position: the media item its slot belongs to — `kind:index:content hash`, the index keeping two copies of
 * one picture apart — or null for text.
 */
function slotKeys(prompt: ProcessorOutput, ids: readonly number[], tokens: { audio: number; image: number; video: number }, merge: number): SlotKey[] {
  const hash = (...parts: ArrayBufferView[]) => {
    const h = createHash('sha256');
    for (const part of parts) h.update(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    return h.digest('hex').slice(0, 32);
  };
  // Item keys and token counts per kind, in prompt order.
  const items = { audio: [] as { key: string; tokens: number }[], image: [] as { key: string; tokens: number }[], video: [] as { key: string; tokens: number }[] };
  if (prompt.inputFeatures && prompt.featureAttentionMask && prompt.audioTokenCounts) {
    const [, bins, frames] = prompt.inputFeatures.shape;
    prompt.audioTokenCounts.forEach((count, i) => {
      const mask = prompt.featureAttentionMask!.data.subarray(i * frames, (i + 1) * frames);
      items.audio.push({ key: `audio:${i}:${hash(prompt.inputFeatures!.data.subarray(i * bins * frames, (i + 1) * bins * frames), mask)}`, tokens: count });
    });
  }
  const visual = (kind: 'image' | 'video', pixels: ProcessorOutput['pixelValues'], grids: [number, number, number][] | undefined, extra?: number[]) => {
    if (!pixels || !grids) return;
    const width = pixels.shape[1];
    let row = 0;
    grids.forEach(([t, h, w], i) => {
      const rows = t * h * w;
      const detail = Float64Array.of(t, h, w, extra?.[i] ?? 0);
      items[kind].push({ key: `${kind}:${i}:${hash(pixels.data.subarray(row * width, (row + rows) * width), detail)}`, tokens: rows / merge ** 2 });
      row += rows;
    });
  };
  visual('image', prompt.pixelValues, prompt.imageGridThw);
  visual('video', prompt.pixelValuesVideos, prompt.videoGridThw, prompt.videoSecondPerGrid);

  const cursor = { audio: { item: 0, used: 0 }, image: { item: 0, used: 0 }, video: { item: 0, used: 0 } };
  return ids.map((id) => {
    const kind = id === tokens.audio ? 'audio' : id === tokens.image ? 'image' : id === tokens.video ? 'video' : undefined;
    if (!kind) return null;
    const at = cursor[kind];
    const item = items[kind][at.item];
    if (++at.used === item.tokens) {
      at.item++;
      at.used = 0;
    }
    return item.key;
  });
}

/** Per kind, how many media items start before `position`: wholly cached, as the prefix never cuts an item. */
function itemsBefore(keys: readonly SlotKey[], position: number): EncodeFrom {
  const seen = new Set(keys.slice(0, position).filter((key): key is string => key !== null));
  const count = { audio: 0, image: 0, video: 0 };
  for (const key of seen) count[key.slice(0, key.indexOf(':')) as keyof EncodeFrom]++;
  return count;
}
