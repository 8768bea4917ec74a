/**
 * The Talker (qwen3-omni.md §9.3): from its prompt (talkerPrompt.ts) to codec frames of G codes, one per 80 ms.
 *
 *   h, logits = talker(prompt)                                  prefill at the prompt's M-RoPE positions
 *   loop: c0 = sample(logits, history of c0)                    EOS 2150 → stop (the EOS frame is never emitted)
 *         c1 … c15 = code predictor (codePredictor.ts)          → frame; stop after maxFrames frames
 *         h, logits = talker(Σ codec embeddings of the frame + trailing text row k)   at cache index + rope delta
 *
 * Sampling of c0 is transformers 5.18 `generate`'s for the talker whatever generation_config.json says (the
 * sub-model configs carry none, §9.5): repetition penalty 1.05 over the generated c0 only → ids from vocab − 1024 up
 * suppressed except EOS (greedy too) → temperature 0.9 → top-k 50 → draw; greedy = penalty, suppression, argmax.
 * transformers' `talker_max_new_tokens` N yields N − 1 frames (the N-th code is sampled and dropped); here
 * `maxFrames` counts frames and the dropped code is never computed.
 *
 * Cancellation: every graph run checks the AbortSignal before and after (guardedRun.ts), text waits end on it, and
 * the loop then ends with a `cancelled` done event.
 */
import path from 'node:path';
import type * as ort from '../runtime/ort';
import { Tensor } from '../runtime/ort';
import { z } from 'zod';
import { OmniError } from '../errors';
import { loadModelConfig, readJsonFile, validate, type RopeConfig } from '../processor/config';
import { decodePositionIds } from '../processor/ropeIndex';
import type { LoadedBundle } from '../runtime/bundle';
import { KvCache, type KvSpec } from '../runtime/kvCache';
import { mropeCosSin } from '../runtime/mrope';
import { TokenSampler, type SamplingSettings } from '../runtime/sampling/sampler';
import type { SessionManager } from '../runtime/sessions';
import { CODE_PREDICTOR_SAMPLING, CodePredictor } from './codePredictor';
import { guardedRun, type RunClock } from './guardedRun';
import type { TalkerPrompt, TalkerPromptGraphs, TalkerPromptTokens } from './talkerPrompt';
import type { Thinker } from './thinker';
import type { TrailingText, TrailingTextTokens } from './trailingText';

/** transformers' `talker_max_new_tokens` default 4096: at most 4095 frames (§9.5). */
export const TALKER_MAX_FRAMES = 4095;

/** transformers' default voice: `speaker="Ethan"`, looked up lower-cased. */
export const DEFAULT_SPEAKER = 'ethan';

/** transformers 5.18 `Qwen3OmniMoeForConditionalGeneration.generate` for the talker's group 0 (§9.5). */
export const TALKER_SAMPLING = { temperature: 0.9, topK: 50, topP: 1, repetitionPenalty: 1.05 } as const;

/** Ids suppressed in c0: the top 1024 of the talker vocabulary (control ids, speakers) except EOS. */
export const talkerSuppressedIds = (vocabSize: number, eos: number) => Array.from({ length: 1024 }, (_, k) => vocabSize - 1024 + k).filter((id) => id !== eos);

export interface TalkerSettings {
  hiddenSize: number;
  thinkerHiddenSize: number;
  vocabSize: number;
  numCodeGroups: number;
  rope: { theta: number; section: readonly number[] };
  kv: KvSpec;
  codePredictorKv: KvSpec;
  kvDtype: 'float32' | 'float16';
  /** `codec_eos_token_id`. */
  eosTokenId: number;
  /** Voices by lower-case name (config.json `talker_config.speaker_id`). */
  speakers: ReadonlyMap<string, number>;
  prompt: TalkerPromptTokens;
  trailing: TrailingTextTokens;
  /** What the talker's `get_rope_index` reads (`talker_config`). */
  rope3d: RopeConfig;
}

const id = z.int().nonnegative();
const configSchema = z
  .object({
    im_start_token_id: id,
    system_token_id: id,
    user_token_id: id,
    assistant_token_id: id,
    tts_pad_token_id: id,
    tts_bos_token_id: id,
    tts_eos_token_id: id,
    talker_config: z
      .object({
        codec_pad_id: id,
        codec_bos_id: id,
        codec_eos_token_id: id,
        codec_nothink_id: id,
        codec_think_bos_id: id,
        codec_think_eos_id: id,
        // transformers' default is None, which makes generate(return_audio=True) fail (§1.7).
        speaker_id: z.record(z.string(), id),
      })
      .loose(),
  })
  .loose();

/** The manifest's talker-side numbers and the ids of the bundle's config.json. */
export function talkerSettings(bundle: LoadedBundle): TalkerSettings {
  const { talker, codec_embed: codecEmbed, code_predictor: codePredictor, talker_proj: projection } = bundle.manifest.graphs;
  if (!talker || !codecEmbed || !codePredictor || !projection) throw new OmniError('INVALID_REQUEST', `${bundle.dir}: this model has no speech output (no talker graphs)`, 'Reply with text only.');
  const file = path.join(bundle.dir, 'config.json');
  const c = validate(configSchema, readJsonFile(file), file);
  const t = c.talker_config;
  const model = loadModelConfig(bundle.dir);
  if (!model.talker) throw new OmniError('BUNDLE_CORRUPT', `${file}: no talker_config`);
  return {
    hiddenSize: talker.extra.hiddenSize,
    thinkerHiddenSize: projection.extra.thinkerHiddenSize,
    vocabSize: talker.extra.vocabSize,
    numCodeGroups: codecEmbed.extra.numCodeGroups,
    rope: { theta: talker.extra.rope.theta, section: talker.extra.rope.section },
    kv: talker.kv,
    codePredictorKv: codePredictor.kv,
    kvDtype: bundle.manifest.variants[bundle.variant].kv.dtype,
    eosTokenId: t.codec_eos_token_id,
    speakers: new Map(Object.entries(t.speaker_id).map(([name, speaker]) => [name.toLowerCase(), speaker])),
    prompt: {
      imStart: c.im_start_token_id,
      system: c.system_token_id,
      user: c.user_token_id,
      assistant: c.assistant_token_id,
      ttsPad: c.tts_pad_token_id,
      ttsBos: c.tts_bos_token_id,
      // transformers marks media slots with the thinker's ids.
      media: [model.thinker.audioTokenId, model.thinker.imageTokenId, model.thinker.videoTokenId],
      codec: { nothink: t.codec_nothink_id, thinkBos: t.codec_think_bos_id, thinkEos: t.codec_think_eos_id, pad: t.codec_pad_id, bos: t.codec_bos_id },
    },
    trailing: { ttsEos: c.tts_eos_token_id, ttsPad: c.tts_pad_token_id },
    rope3d: model.talker,
  };
}

export interface TalkerOptions {
  /** transformers' `talker_do_sample` (the code predictor follows it); false = greedy. */
  doSample: boolean;
  /** Seed of the draws (default: the clock). */
  seed?: number;
  /** At most this many frames (default TALKER_MAX_FRAMES). */
  maxFrames?: number;
  signal?: AbortSignal;
}

export type TalkerStopReason = 'eos' | 'max-frames' | 'cancelled';

export interface TalkerTimings {
  /** The prefill run, to its logits. */
  prefillMs: number;
  /** Wall time of the frames (sampling, code predictor, codec embeddings, talker step), waits for text excluded. */
  framesMs: number;
  /** The part of prefill and frames inside `session.run` (talker, code predictor, codec_embed, talker_proj). */
  runMs: number;
  /** Waiting for the thinker's next token. */
  textWaitMs: number;
}

export type TalkerEvent =
  | { type: 'frame'; codes: number[] }
  | { type: 'done'; stopReason: TalkerStopReason; frames: number; timings: TalkerTimings };

export class Talker implements TalkerPromptGraphs {
  /** Time inside session.run of every talker-side graph. */
  readonly clock: RunClock = { runMs: 0 };
  private readonly codePredictor: CodePredictor;

  private constructor(
    readonly settings: TalkerSettings,
    private readonly thinker: Pick<Thinker, 'embed'>,
    private readonly projection: ort.InferenceSession,
    private readonly decoder: ort.InferenceSession,
    private readonly codecEmbed: ort.InferenceSession,
    predictor: ort.InferenceSession,
  ) {
    const { codePredictorKv, kvDtype, numCodeGroups, hiddenSize } = settings;
    this.codePredictor = new CodePredictor(predictor, codePredictorKv, kvDtype, numCodeGroups, hiddenSize, (codes, group, signal) => this.embedCodes(codes, group, 1, signal), this.clock);
  }

  /** Opens the talker-side sessions; the thinker's token embeddings feed the text projection. */
  static async open(bundle: LoadedBundle, sessions: SessionManager, thinker: Pick<Thinker, 'embed'>): Promise<Talker> {
    const settings = talkerSettings(bundle);
    const open = (graph: string) => sessions.open(graph, bundle.graphPath(graph));
    return new Talker(settings, thinker, await open('talker_proj'), await open('talker'), await open('codec_embed'), await open('code_predictor'));
  }

  get hiddenSize(): number {
    return this.settings.hiddenSize;
  }

  /** The codec id of a voice, by name in any case (default Ethan); an unknown name lists the voices. */
  speakerId(name: string = DEFAULT_SPEAKER): number {
    const speaker = this.settings.speakers.get(name.toLowerCase());
    if (speaker === undefined) {
      throw new OmniError('INVALID_REQUEST', `unknown speaker "${name}"; this model speaks as ${[...this.settings.speakers.keys()].join(', ')}`);
    }
    return speaker;
  }

  async projectText(ids: readonly number[], signal?: AbortSignal): Promise<Float32Array> {
    signal?.throwIfAborted();
    const embeds = await this.thinker.embed(BigInt64Array.from(ids, BigInt));
    return (await this.project(embeds, new Float32Array(0), signal)).text_proj.data as Float32Array;
  }

  async projectHidden(rows: Float32Array, signal?: AbortSignal): Promise<Float32Array> {
    return (await this.project(new Float32Array(0), rows, signal)).hidden_proj.data as Float32Array;
  }

  /** One embedding per id, all in group 0 (the talker's whole table, control ids included). */
  embedControl(ids: readonly number[], signal?: AbortSignal): Promise<Float32Array> {
    return this.embedCodes(ids, 0, ids.length, signal);
  }

  /**
   * Prefill, then one frame per step until EOS, `maxFrames` or a cancel; yields each frame as its 16 codes exist,
   * then the done event. `text` supplies row k of step k (waiting for the thinker when needed).
   */
  async *generate(prompt: TalkerPrompt, text: TrailingText, options: TalkerOptions): AsyncGenerator<TalkerEvent> {
    const { signal } = options;
    const { vocabSize, eosTokenId, kv, kvDtype } = this.settings;
    const maxFrames = options.maxFrames ?? TALKER_MAX_FRAMES;
    const seed = options.seed ?? Date.now();
    const talkerSampling: SamplingSettings = { doSample: options.doSample, ...TALKER_SAMPLING, suppressTokens: talkerSuppressedIds(vocabSize, eosTokenId) };
    const sampler = new TokenSampler(talkerSampling, seed);
    const predictFrame = this.codePredictor.generation(new TokenSampler({ doSample: options.doSample, ...CODE_PREDICTOR_SAMPLING }, seed + 1));
    const cache = new KvCache(kv, kvDtype);
    const runBefore = this.clock.runMs;
    const waitBefore = text.waitMs;
    const timings: TalkerTimings = { prefillMs: 0, framesMs: 0, runMs: 0, textWaitMs: 0 };
    let frames = 0;
    let resumed = performance.now();
    const done = (stopReason: TalkerStopReason): TalkerEvent => {
      timings.textWaitMs = text.waitMs - waitBefore;
      timings.framesMs += performance.now() - resumed - timings.textWaitMs;
      timings.runMs = this.clock.runMs - runBefore;
      return { type: 'done', stopReason, frames, timings };
    };

    try {
      if (maxFrames <= 0) {
        yield done('max-frames');
        return;
      }
      let step = await this.forward(cache, prompt.embeds, prompt.positionIds, signal);
      timings.prefillMs = performance.now() - resumed;
      resumed = performance.now();
      const history: number[] = [];
      for (;;) {
        const c0 = sampler.next(step.logits, history);
        history.push(c0);
        if (c0 === eosTokenId) {
          yield done('eos');
          return;
        }
        const codes = await predictFrame(step.lastHidden, c0, signal);
        frames++;
        timings.framesMs += performance.now() - resumed;
        yield { type: 'frame', codes };
        resumed = performance.now();
        if (frames >= maxFrames) {
          yield done('max-frames');
          return;
        }
        const row = await text.row(frames - 1, signal);
        const input = await this.embedCodes(codes, 0, 1, signal, 'sum');
        for (let i = 0; i < input.length; i++) input[i] += row[i];
        step = await this.forward(cache, input, decodePositionIds(cache.length, 1, prompt.ropeDelta), signal);
      }
    } catch (error) {
      if (!signal?.aborted) throw error;
      yield done('cancelled');
    }
  }

  /** One talker run of `embeds` (`[n, H]`) at `positions` (`[3, n]`) after the cache: last-position logits and hidden. */
  private async forward(cache: KvCache, embeds: Float32Array, positions: ArrayLike<number>, signal?: AbortSignal) {
    const { hiddenSize: H, kv, rope } = this.settings;
    const n = embeds.length / H;
    const { cos, sin } = mropeCosSin(positions, kv.headDim, rope.theta, rope.section);
    const out = await guardedRun(
      this.decoder,
      {
        inputs_embeds: new Tensor('float32', embeds, [1, n, H]),
        attention_mask: cache.attentionMask(n),
        rope_cos: new Tensor('float32', cos, [1, n, kv.headDim / 2]),
        rope_sin: new Tensor('float32', sin, [1, n, kv.headDim / 2]),
        ...cache.feeds(),
      },
      this.clock,
      signal,
    );
    cache.update(out, n);
    return { logits: out.logits.data as Float32Array, lastHidden: out.last_hidden.data as Float32Array };
  }

  private async project(embeds: Float32Array, hidden: Float32Array, signal?: AbortSignal) {
    const Ht = this.settings.thinkerHiddenSize;
    return guardedRun(
      this.projection,
      {
        thinker_embeds: new Tensor('float32', embeds, [embeds.length / Ht, Ht]),
        thinker_hidden: new Tensor('float32', hidden, [hidden.length / Ht, Ht]),
      },
      this.clock,
      signal,
    );
  }

  /**
   * codec_embed of `batch` rows of codes, code k of a row in group `firstGroup + k`: every embedding `[n, H]`, or
   * with `sum` each row's sum `[batch, H]` (a frame's next talker input before its text row).
   */
  private async embedCodes(codes: readonly number[], firstGroup: number, batch: number, signal?: AbortSignal, output: 'each' | 'sum' = 'each'): Promise<Float32Array> {
    const out = await guardedRun(
      this.codecEmbed,
      { codes: new Tensor('int64', BigInt64Array.from(codes, BigInt), [batch, codes.length / batch]), group_offset: new Tensor('int64', BigInt64Array.of(BigInt(firstGroup)), []) },
      this.clock,
      signal,
    );
    return (output === 'sum' ? out.embeds_sum : out.embeds).data as Float32Array;
  }
}
