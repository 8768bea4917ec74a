/**
 * The engine's turns: one reply at a time, streamed as turn events, on the bundle main chose. It keeps each recent
 * conversation's history and Thinker KV cache, so a follow-up question prefills only what is new; an engine restart
 * loses both (the next turn then prefills everything the renderer's history sends again).
 *
 * `start` claims a turn after the checks that cost nothing (no other turn running, something to answer, the
 * microphone audio whole), so `chat.send` answers at once. Opening the bundle comes after: minutes for the real
 * model, during which onnxruntime's synchronous session creation blocks this process's event loop. So does the
 * speech side, then the attachments and the reply; what fails there arrives as the turn's `error` event. A turn
 * that must wait for a part to open says so first (`loading`), `started` comes when the reply starts, and a turn
 * interrupted while it waits ends as interrupted once the part is open, without starting.
 *
 * `preload` opens a bundle (and its speech side) before any turn asks; a turn on that bundle waits for the same
 * open. Every open reports how it goes through `onLoad`, whoever asked for it.
 */
import { setImmediate as nextLoopTurn } from 'node:timers/promises';
import { OmniError, toErrorInfo } from '../errors';
import type { ChatMessage, ContentItem } from '../processor/text/chatTemplate';
import { microphoneWaveform } from '../processor/audio/microphone';
import type { LocalChatSendRequest, ModelLoad, ModelPart, TurnEvent } from '../protocol';
import type { Conversation } from './conversation';
import type { CapturedAudio } from './micCapture';
import { OmniRuntime } from './omniRuntime';
import { attachmentItems, type TurnMedia } from './attachments';
import { Speech } from './speechTurn';
import { TurnSlot } from '../turnSlot';

export interface AssistantOptions {
  stateDir: string;
  /** Where a turn's temporary media files (videos, webcam clips) go. */
  scratchDir: string;
  emit: (event: TurnEvent) => void;
  /** True as each turn is claimed, false as it ends: a turn following a stopped one overlaps it. */
  onBusy: (busy: boolean) => void;
  /** 24 kHz mono speech of a turn, in order; `seq` counts from 0 per turn. `end` follows the last chunk. */
  onSpeech: (chunk: { turnId: string; seq: number; samples: Float32Array } | { turnId: string; end: true; samples: number }) => void;
  /** A part of a bundle starts to open, then is open or failed (the engine reports it to the host). */
  onLoad?: (load: ModelLoad) => void;
  /** Seam for tests. */
  open?: (bundleDir: string) => Promise<OmniRuntime>;
}

interface ConversationState {
  history: ChatMessage[];
  conversation: Conversation;
}

/** An open in progress or done: a turn that finds it unsettled tells the user it waits. */
interface Opening<T> {
  promise: Promise<T>;
  settled: boolean;
}

/** Conversations whose KV cache stays in memory; each holds its whole prompt's cache. */
export const KEPT_CONVERSATIONS = 2;

export class Assistant {
  private runtime?: { bundleDir: string; omni: Opening<OmniRuntime>; speech?: Opening<Speech> };
  private readonly conversations = new Map<string, ConversationState>();
  private readonly turns = new TurnSlot<{ turnId: string; bundleDir: string }>();

  constructor(private readonly options: AssistantOptions) {}

  /**
   * Claims the turn, or throws why it cannot run; the turn itself goes on as events. A turn asked for while a stopped
   * one is still ending (within a step, or once its model is open: minutes) follows it (TurnSlot).
   */
  start(request: LocalChatSendRequest, mic?: CapturedAudio): void {
    const spoken = mic && microphoneWaveform(mic, { name: `microphone audio of turn ${request.turnId}` });
    if (!spoken && !request.text.trim() && request.attachments.length === 0) {
      throw new OmniError('INVALID_REQUEST', `Turn ${request.turnId} is empty: no text, attachment or speech.`);
    }
    const { signal, previous } = this.turns.claim({ turnId: request.turnId, bundleDir: request.bundleDir });
    this.options.onBusy(true);
    // In the next turn of the event loop, after chat.send's answer has left: no event of the turn overtakes it.
    this.turns.endsWith(
      new Promise((resolve) =>
        setImmediate(async () => {
          await previous;
          await this.run(request, spoken, signal);
          resolve();
        }),
      ),
    );
  }

  /** The turn running and not stopped: the one a new turn would be refused for. */
  get activeTurn(): string | undefined {
    return this.turns.running;
  }

  /** Stops the running turn within one token, or as soon as its model is open; false when `turnId` is not running. */
  interrupt(turnId: string): boolean {
    return this.turns.interrupt(turnId);
  }

  /** Opens `bundleDir` (with `speech`, its talker side too) ahead of its first turn; `onLoad` says how it went. */
  preload(bundleDir: string, speech: boolean): void {
    const current = this.turns.current;
    if (current && current.bundleDir !== bundleDir) {
      // Opening another bundle releases the one the running turn uses.
      throw new OmniError('INVALID_REQUEST', `Preloading ${bundleDir} refused: turn ${current.turnId} is running on another model.`, 'Preload it once the turn has ended.');
    }
    const opened = this.runtimeFor(bundleDir).promise.then((omni) => (speech ? this.speechFor(bundleDir, omni)?.promise : undefined));
    // A failure went to onLoad, and the next turn tries again.
    opened.catch(() => undefined);
  }

  /** Stops the running turn and releases the model once the turn has ended and nothing is opening any more. */
  async release(): Promise<void> {
    const current = this.turns.current;
    if (current) this.turns.interrupt(current.turnId);
    const runtime = this.runtime;
    this.runtime = undefined;
    this.conversations.clear();
    await this.turns.idle();
    await releaseRuntime(runtime);
  }

  private async run(request: LocalChatSendRequest, spoken: Float32Array | undefined, signal: AbortSignal) {
    const { turnId } = request;
    let media: TurnMedia | undefined;
    let final: TurnEvent | undefined;
    let text: string | undefined;
    let speechSamples = 0;
    let seq = 0;
    try {
      const omni = await this.ready(turnId, 'model', this.runtimeFor(request.bundleDir));
      const talker = request.speak ? this.speechFor(request.bundleDir, omni) : undefined;
      const speech = talker && (await this.ready(turnId, 'speech', talker));
      if (signal.aborted) {
        final = this.done(turnId, '', true, 0);
        return;
      }
      media = await attachmentItems(request.attachments, this.options.scratchDir);
      const user: ChatMessage = { role: 'user', content: userContent(request, media.items, spoken) };
      const state = this.conversationState(request.conversationId, omni);
      this.options.emit({ type: 'started', turnId });
      const messages = [...(request.system ? [{ role: 'system', content: request.system }] : []), ...state.history, user];
      const { maxNewTokens, ...sampling } = request.sampling ?? {};
      const turn = { messages, sampling, maxNewTokens, signal };
      const events = speech
        ? speech.turn(state.conversation, { ...turn, speech: { speaker: request.speaker, maxFrames: request.maxSpeechFrames, ...(sampling.doSample === false && { doSample: false }) } })
        : state.conversation.send(turn);
      for await (const event of events) {
        if (event.type === 'text-delta' && event.text) this.options.emit({ type: 'text-delta', turnId, text: event.text });
        else if (event.type === 'audio') this.options.onSpeech({ turnId, seq: seq++, samples: event.samples });
        else if (event.type === 'speech-done') speechSamples = event.samplesDelivered;
        else if (event.type === 'done') {
          text = event.text;
          state.history.push(user, { role: 'assistant', content: event.text });
          if (event.stopReason === 'cancelled' || !speech) final = this.done(turnId, event.text, event.stopReason === 'cancelled', 0);
        }
      }
      if (speech && text !== undefined) final = this.done(turnId, text, signal.aborted, speechSamples);
    } catch (error) {
      final = { type: 'error', turnId, error: toErrorInfo(error) };
    } finally {
      await media?.dispose();
      if (seq > 0) this.options.onSpeech({ turnId, end: true, samples: speechSamples });
      // The turn is over before anyone hears so: a `done` listener may start the next turn at once.
      this.turns.free(turnId);
      this.options.onBusy(false);
      this.options.emit(final ?? { type: 'error', turnId, error: { code: 'INTERNAL', message: `Turn ${turnId} ended without a result.` } });
    }
  }

  private done(turnId: string, text: string, interrupted: boolean, speechSamples: number): TurnEvent {
    return { type: 'done', turnId, text, interrupted, speechSamples };
  }

  /** The part once open. A turn that has to wait says so, and lets that message leave before the open blocks. */
  private async ready<T>(turnId: string, part: ModelPart, opening: Opening<T>): Promise<T> {
    if (!opening.settled) {
      this.options.emit({ type: 'loading', turnId, part });
      await nextLoopTurn();
    }
    return opening.promise;
  }

  /** Starts `open` in the next turn of the event loop, so the `loading` report leaves first, and reports its end. */
  private opening<T>(bundleDir: string, part: ModelPart, open: () => Promise<T>): Opening<T> {
    const since = Date.now();
    this.options.onLoad?.({ bundleDir, part, load: { state: 'loading', since } });
    const opening: Opening<T> = { promise: nextLoopTurn().then(open).catch((error: unknown) => Promise.reject(namingBundle(error, bundleDir, part))), settled: false };
    opening.promise.then(
      () => {
        opening.settled = true;
        this.options.onLoad?.({ bundleDir, part, load: { state: 'loaded', ms: Date.now() - since } });
      },
      (error: unknown) => {
        opening.settled = true;
        this.options.onLoad?.({ bundleDir, part, load: { state: 'failed', ms: Date.now() - since, error: toErrorInfo(error) } });
      },
    );
    return opening;
  }

  /** The bundle's talker side, opened on the first spoken turn (or a preload); undefined for a text-only model. */
  private speechFor(bundleDir: string, omni: OmniRuntime): Opening<Speech> | undefined {
    const runtime = this.runtime;
    if (runtime?.bundleDir !== bundleDir || !omni.bundle.manifest.graphs.talker) return undefined;
    if (!runtime.speech) {
      const speech = this.opening(bundleDir, 'speech', () => Speech.open(omni));
      runtime.speech = speech;
      // Like a bundle, a talker side that failed to open is tried again by the next spoken turn.
      speech.promise.catch(() => {
        if (runtime.speech === speech) runtime.speech = undefined;
      });
    }
    return runtime.speech;
  }

  private runtimeFor(bundleDir: string): Opening<OmniRuntime> {
    if (this.runtime?.bundleDir !== bundleDir) {
      const previous = this.runtime;
      this.conversations.clear();
      const open = this.options.open ?? ((dir: string) => OmniRuntime.open(dir, { stateDir: this.options.stateDir }));
      const omni = this.opening(bundleDir, 'model', async () => {
        await releaseRuntime(previous);
        return open(bundleDir);
      });
      const runtime = { bundleDir, omni };
      this.runtime = runtime;
      // A bundle that failed to open is tried again on the next turn, not remembered broken.
      omni.promise.catch(() => {
        if (this.runtime === runtime) this.runtime = undefined;
      });
    }
    return this.runtime.omni;
  }

  private conversationState(id: string, omni: OmniRuntime): ConversationState {
    let state = this.conversations.get(id);
    if (state) this.conversations.delete(id);
    else state = { history: [], conversation: omni.conversation() };
    this.conversations.set(id, state);
    for (const old of this.conversations.keys()) {
      if (this.conversations.size <= KEPT_CONVERSATIONS) break;
      this.conversations.delete(old);
    }
    return state;
  }
}

/**
 * Releases a bundle's sessions once its opens have settled: a talker side still opening would create its sessions
 * after the release and keep them.
 */
async function releaseRuntime(runtime: { omni: Opening<OmniRuntime>; speech?: Opening<Speech> } | undefined): Promise<void> {
  if (!runtime) return;
  await runtime.speech?.promise.catch(() => undefined);
  await runtime.omni.promise.then((o) => o.release(), () => undefined);
}

/** The error of a failed open, saying which bundle failed, so a turn's error names it wherever it came from. */
function namingBundle(error: unknown, bundleDir: string, part: ModelPart): OmniError {
  const info = toErrorInfo(error);
  if (info.message.includes(bundleDir)) return OmniError.fromInfo(info);
  const what = part === 'model' ? 'The model' : 'The speech side of the model';
  return new OmniError(info.code, `${what} in ${bundleDir} could not be opened: ${info.message}`, info.hint);
}

/** Media first, then the spoken question, then the typed text — the order Qwen recommends. */
function userContent(request: LocalChatSendRequest, media: ContentItem[], spoken?: Float32Array): ContentItem[] {
  const items = [...media];
  if (spoken) items.push({ type: 'audio', audio: spoken });
  if (request.text.trim()) items.push({ type: 'text', text: request.text });
  return items;
}
