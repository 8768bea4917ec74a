/**
 * A spoken turn (qwen3-omni.md §9.4, Appendix C): the thinker, the talker and Code2Wav at once, as one async
 * iterator of events.
 *
 *   const speech = await Speech.open(omni);                       // talker-side sessions of the bundle
 *   const conversation = omni.conversation();
 *   for await (const event of speech.turn(conversation, { messages, speech: { speaker: 'chelsie' }, signal })) {
 *     prefill | text-delta | done   — the conversation's events, unchanged (done = the text reply is complete)
 *     audio                         — 24 kHz PCM, contiguous, exactly the one-pass decode of the frames so far
 *     speech-done                   — always last: why speech stopped, frames, codes, samples delivered, timings
 *   }
 *
 * Concurrency: the thinker runs as its own task; each generated token goes to the talker's trailing queue, and the
 * talker prefills as soon as the first token exists (its prompt is projected during the thinker's prefill event),
 * then produces one frame per step, waiting whenever it is ahead of the text. Frames go to the Code2Wav stream in
 * the talker's loop: the first PCM chunk leaves after 2 frames, later chunks grow (code2wavStream.ts).
 *
 * Cancellation: one AbortSignal (the request's) stops all three: no graph run starts after it (each checks before
 * it runs), the one in flight is the last, and no audio is yielded after it. `speech-done.samplesDelivered` counts
 * the samples actually yielded to the caller — what the user can have heard. A caller that stops iterating cancels
 * the same way.
 */
import type { LoadedBundle } from '../runtime/bundle';
import type { SessionManager } from '../runtime/sessions';
import { Code2Wav, type CodecFrame } from './code2wav';
import { Code2WavStream, type StreamOptions } from './code2wavStream';
import type { Conversation, TurnEvent, TurnRequest } from './conversation';
import { Talker, type TalkerStopReason, type TalkerTimings } from './talker';
import { completeTalkerPrompt, prepareTalkerPrompt, type PreparedTalkerPrompt } from './talkerPrompt';
import type { Thinker } from './thinker';
import { TrailingText } from './trailingText';

export interface SpeechOptions extends StreamOptions {
  /** A voice of config.json's `speaker_id`, any case (default Ethan). */
  speaker?: string;
  /** At most this many frames are vocoded (`--max-frames`; transformers' talker_max_new_tokens − 1). */
  maxFrames?: number;
  /** transformers' `talker_do_sample` (default true); false = the talker's greedy decoding. */
  doSample?: boolean;
  /** Seed of the talker's draws (default: the turn's seed, else the clock). */
  seed?: number;
}

export type SpokenTurnRequest = TurnRequest & { speech?: SpeechOptions };

/** `silent`: the reply has no words to speak (its first token is `<|im_end|>`). */
export type SpeechStopReason = TalkerStopReason | 'silent';

export interface SpeechTimings {
  /** The talker's prompt projections (during the thinker's decoding). */
  promptMs: number;
  talker: TalkerTimings;
  /** Code2Wav windows run, the frames they decoded (context and look-ahead included) and their time. */
  vocoder: { chunks: number; decodedFrames: number; runMs: number };
  /** From the start of the turn to the first audio event; 0 without audio. */
  firstAudioMs: number;
  /** Frames generated when the first audio left the vocoder. */
  framesBeforeFirstAudio: number;
}

export type SpokenTurnEvent =
  | TurnEvent
  | {
      type: 'audio';
      /** 24 kHz mono. */
      samples: Float32Array;
      /** Index of the first sample in the reply's speech. */
      offset: number;
    }
  | {
      type: 'speech-done';
      stopReason: SpeechStopReason;
      /** Codec frames generated, each its G codes (codes.npy is their transpose). */
      codes: CodecFrame[];
      /** Samples yielded as audio events (all of them unless cancelled: samples = 1920·frames − 555). */
      samplesDelivered: number;
      timings: SpeechTimings;
    };

type SpeechDone = Extract<SpokenTurnEvent, { type: 'speech-done' }>;

export class Speech {
  private constructor(
    readonly talker: Talker,
    readonly code2wav: Code2Wav,
    private readonly eosTokenId: number,
  ) {}

  /** The talker-side sessions of a bundle whose model speaks (throws INVALID_REQUEST for a text-only one). */
  static async open(omni: { bundle: LoadedBundle; sessions: SessionManager; thinker: Thinker }): Promise<Speech> {
    const talker = await Talker.open(omni.bundle, omni.sessions, omni.thinker);
    return new Speech(talker, await Code2Wav.open(omni.bundle, omni.sessions), omni.thinker.settings.eosTokenId);
  }

  /** The voices, lower-case. */
  get speakers(): string[] {
    return [...this.talker.settings.speakers.keys()];
  }

  /** One turn of `conversation`, spoken (see the file comment). An unknown speaker fails before anything runs. */
  async *turn(conversation: Conversation, request: SpokenTurnRequest): AsyncGenerator<SpokenTurnEvent> {
    const started = performance.now();
    const options = request.speech ?? {};
    const speakerId = this.talker.speakerId(options.speaker);
    const controller = new AbortController();
    const abort = () => controller.abort(request.signal?.reason);
    if (request.signal?.aborted) abort();
    request.signal?.addEventListener('abort', abort, { once: true });
    const signal = controller.signal;

    const events = new EventQueue<SpokenTurnEvent>();
    const { settings } = this.talker;
    const trailing = new TrailingText((ids, s) => this.talker.projectText(ids, s), settings.trailing);
    const first = deferred<number | null>();
    let prepared: Promise<PreparedTalkerPrompt> | undefined;
    let promptMs = 0;

    const thinking = (async () => {
      let firstSeen = false;
      for await (const event of conversation.send({ ...request, signal })) {
        if (event.type === 'prefill') {
          const promptStart = performance.now();
          prepared = prepareTalkerPrompt(
            { inputIds: event.prompt.inputIds, media: event.prompt, acceptHidden: event.acceptHidden, speakerId },
            settings.prompt,
            settings.rope3d,
            this.talker,
            signal,
          ).finally(() => (promptMs += performance.now() - promptStart));
          // Awaited by the speech task; a failure must not go unhandled while the thinker still runs.
          prepared.catch(() => undefined);
        } else if (event.type === 'text-delta' && event.tokenId !== undefined) {
          if (firstSeen) trailing.push(event.tokenId);
          else first.resolve(event.tokenId);
          firstSeen = true;
        } else if (event.type === 'done') {
          if (event.stopReason !== 'cancelled') trailing.end();
          if (!firstSeen) first.resolve(null);
        }
        events.push(event);
      }
    })();

    const codes: CodecFrame[] = [];
    const vocoder = new Code2WavStream(this.code2wav, options);
    const vocoderRunBefore = this.code2wav.clock.runMs;
    let firstAudioMs = 0;
    let framesBeforeFirstAudio = 0;
    const audio = (chunk: { samples: Float32Array; offset: number } | undefined) => {
      if (!chunk) return;
      if (!firstAudioMs) {
        firstAudioMs = performance.now() - started;
        framesBeforeFirstAudio = codes.length;
      }
      events.push({ type: 'audio', samples: chunk.samples, offset: chunk.offset });
    };
    const speaking = (async (): Promise<{ stopReason: SpeechStopReason; talker?: TalkerTimings }> => {
      const g0 = await Promise.race([first.promise, aborted(signal)]);
      if (g0 === null) return { stopReason: signal.aborted ? 'cancelled' : 'silent' };
      if (g0 === this.eosTokenId) return { stopReason: 'silent' };
      if (!prepared) throw new Error('Speech.turn: a token came before the prefill event');
      const prompt = await completeTalkerPrompt(await prepared, g0, this.talker, signal);
      const seed = options.seed ?? (request.seed === undefined ? undefined : request.seed + 1);
      for await (const event of this.talker.generate(prompt, trailing, { doSample: options.doSample ?? true, seed, maxFrames: options.maxFrames, signal })) {
        if (event.type === 'done') {
          if (event.stopReason !== 'cancelled') audio(await vocoder.finish(signal));
          return { stopReason: event.stopReason, talker: event.timings };
        }
        codes.push(event.codes);
        audio(await vocoder.push(event.codes, signal));
      }
      throw new Error('Speech.turn: the talker ended without a result');
    })();

    // A task failing stops the other (through the signal); its error, not the abort it caused, ends the turn.
    let failure: { error: unknown } | undefined;
    for (const task of [thinking, speaking]) {
      task.catch((error: unknown) => {
        if (signal.aborted) return;
        failure = { error };
        controller.abort(error);
      });
    }
    const ended = Promise.allSettled([thinking, speaking]).then(([, spoke]) => {
      if (failure) events.fail(failure.error);
      else events.close();
      return spoke.status === 'fulfilled' ? spoke.value : { stopReason: 'cancelled' as const };
    });

    let samplesDelivered = 0;
    let finished = false;
    try {
      for (;;) {
        const next = await events.next();
        if (next === undefined) break;
        if (next.type === 'audio') {
          // Nothing reaches the user after a cancel, even what was already decoded.
          if (signal.aborted) continue;
          samplesDelivered += next.samples.length;
        }
        yield next;
      }
      const result = await ended;
      const done: SpeechDone = {
        type: 'speech-done',
        // Speech the caller did not receive in full was cancelled, whatever the talker said.
        stopReason: signal.aborted && samplesDelivered < this.code2wav.samples(codes.length) ? 'cancelled' : result.stopReason,
        codes,
        samplesDelivered,
        timings: {
          promptMs,
          talker: result.talker ?? { prefillMs: 0, framesMs: 0, runMs: 0, textWaitMs: 0 },
          vocoder: { chunks: vocoder.chunks, decodedFrames: vocoder.decodedFrames, runMs: this.code2wav.clock.runMs - vocoderRunBefore },
          firstAudioMs,
          framesBeforeFirstAudio,
        },
      };
      finished = true;
      yield done;
    } finally {
      request.signal?.removeEventListener('abort', abort);
      // A caller that stopped early: stop the tasks and let them finish their step.
      if (!finished) controller.abort();
      await ended;
    }
  }
}

/** Rejects with the abort reason once `signal` aborts. */
function aborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** An unbounded queue of events from concurrent tasks, read by one consumer; `next()` is undefined once closed. */
class EventQueue<T> {
  private readonly items: T[] = [];
  private closed = false;
  private failure?: { error: unknown };
  private waiter?: () => void;

  push(item: T): void {
    this.items.push(item);
    this.wake();
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  fail(error: unknown): void {
    this.failure = { error };
    this.wake();
  }

  async next(): Promise<T | undefined> {
    for (;;) {
      if (this.items.length > 0) return this.items.shift();
      if (this.failure) throw this.failure.error;
      if (this.closed) return undefined;
      await new Promise<void>((resolve) => (this.waiter = resolve));
    }
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = undefined;
    waiter?.();
  }
}
