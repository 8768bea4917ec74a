/**
 * The engine's turns: one reply at a time, streamed as turn events, on the bundle main chose. It keeps each recent
 * conversation's history and Thinker KV cache, so a follow-up question prefills only what is new; an engine restart
 * loses both (the next turn then prefills everything the renderer's history sends again).
 *
 * A turn is accepted only once everything that can be checked up front has passed (the bundle opens, attachments
 * decode to files, the microphone audio is whole), so `chat.send` rejects with the reason; what fails later arrives
 * as a `turn.error` event.
 */
import { OmniError, toErrorInfo } from '../errors';
import type { ChatMessage, ContentItem } from '../processor/text/chatTemplate';
import { microphoneWaveform } from '../processor/audio/microphone';
import type { LocalChatSendRequest, TurnEvent } from '../protocol';
import type { Conversation } from './conversation';
import type { CapturedAudio } from './micCapture';
import { OmniRuntime } from './omniRuntime';
import { attachmentItems, type TurnMedia } from './attachments';
import { Speech } from './speechTurn';

export interface AssistantOptions {
  stateDir: string;
  /** Where a turn's temporary media files (videos, webcam clips) go. */
  scratchDir: string;
  emit: (event: TurnEvent) => void;
  onBusy: (busy: boolean) => void;
  /** 24 kHz mono speech of a turn, in order; `seq` counts from 0 per turn. `end` follows the last chunk. */
  onSpeech: (chunk: { turnId: string; seq: number; samples: Float32Array } | { turnId: string; end: true; samples: number }) => void;
  /** Seam for tests. */
  open?: (bundleDir: string) => Promise<OmniRuntime>;
}

interface ConversationState {
  history: ChatMessage[];
  conversation: Conversation;
}

/** Conversations whose KV cache stays in memory; each holds its whole prompt's cache. */
export const KEPT_CONVERSATIONS = 2;

/** The engine answers one turn at a time, local or remote. */
export function turnStillRunning(turnId: string, running: string): OmniError {
  return new OmniError('INVALID_REQUEST', `Turn ${turnId} refused: turn ${running} is still running.`, 'Stop the current reply first.');
}

export class Assistant {
  private runtime?: { bundleDir: string; omni: Promise<OmniRuntime>; speech?: Promise<Speech> };
  private readonly conversations = new Map<string, ConversationState>();
  private active?: { turnId: string; controller: AbortController };

  constructor(private readonly options: AssistantOptions) {}

  async start(request: LocalChatSendRequest, mic?: CapturedAudio): Promise<void> {
    if (this.active) throw turnStillRunning(request.turnId, this.active.turnId);
    // Claimed before the first await, so a second request cannot slip in while the bundle opens.
    const active = { turnId: request.turnId, controller: new AbortController() };
    this.active = active;
    let media: TurnMedia | undefined;
    try {
      const omni = await this.runtimeFor(request.bundleDir);
      media = await attachmentItems(request.attachments, this.options.scratchDir);
      const user = userContent(request, media.items, mic);
      if (user.length === 0) throw new OmniError('INVALID_REQUEST', `Turn ${request.turnId} is empty: no text, attachment or speech.`);
      const state = this.conversationState(request.conversationId, omni);
      this.options.onBusy(true);
      this.options.emit({ type: 'started', turnId: request.turnId });
      void this.run(request, state, { role: 'user', content: user }, media, active.controller.signal);
    } catch (error) {
      this.active = undefined;
      await media?.dispose();
      throw error;
    }
  }

  get activeTurn(): string | undefined {
    return this.active?.turnId;
  }

  /** Stops the running turn within one token; false when `turnId` is not running. */
  interrupt(turnId: string): boolean {
    if (this.active?.turnId !== turnId) return false;
    this.active.controller.abort();
    return true;
  }

  async release(): Promise<void> {
    this.active?.controller.abort();
    const omni = this.runtime?.omni;
    this.runtime = undefined;
    this.conversations.clear();
    await omni?.then((o) => o.release(), () => undefined);
  }

  private async run(request: LocalChatSendRequest, state: ConversationState, user: ChatMessage, media: TurnMedia, signal: AbortSignal) {
    const { turnId } = request;
    let final: TurnEvent | undefined;
    let text: string | undefined;
    let speechSamples = 0;
    let seq = 0;
    try {
      const messages = [...(request.system ? [{ role: 'system', content: request.system }] : []), ...state.history, user];
      const { maxNewTokens, ...sampling } = request.sampling ?? {};
      const turn = { messages, sampling, maxNewTokens, signal };
      const speech = request.speak ? await this.speechFor(request.bundleDir) : undefined;
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
      await media.dispose();
      if (seq > 0) this.options.onSpeech({ turnId, end: true, samples: speechSamples });
      // The turn is over before anyone hears so: a `done` listener may start the next turn at once.
      this.active = undefined;
      this.options.onBusy(false);
      this.options.emit(final ?? { type: 'error', turnId, error: { code: 'INTERNAL', message: `Turn ${turnId} ended without a result.` } });
    }
  }

  private done(turnId: string, text: string, interrupted: boolean, speechSamples: number): TurnEvent {
    return { type: 'done', turnId, text, interrupted, speechSamples };
  }

  /** The bundle's talker side, opened on the first spoken turn; undefined for a text-only model. */
  private async speechFor(bundleDir: string): Promise<Speech | undefined> {
    const runtime = this.runtime;
    if (!runtime || runtime.bundleDir !== bundleDir) return undefined;
    const omni = await runtime.omni;
    if (!omni.bundle.manifest.graphs.talker) return undefined;
    runtime.speech ??= Speech.open(omni);
    return runtime.speech;
  }

  private runtimeFor(bundleDir: string): Promise<OmniRuntime> {
    if (this.runtime?.bundleDir !== bundleDir) {
      const previous = this.runtime?.omni;
      this.conversations.clear();
      const open = this.options.open ?? ((dir: string) => OmniRuntime.open(dir, { stateDir: this.options.stateDir }));
      const omni = (previous ? previous.then((o) => o.release(), () => undefined) : Promise.resolve()).then(() => open(bundleDir));
      this.runtime = { bundleDir, omni };
      // A bundle that failed to open is tried again on the next turn, not remembered broken.
      omni.catch(() => {
        if (this.runtime?.omni === omni) this.runtime = undefined;
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

/** Media first, then the spoken question, then the typed text — the order Qwen recommends. */
function userContent(request: LocalChatSendRequest, media: ContentItem[], mic?: CapturedAudio): ContentItem[] {
  const items = [...media];
  if (mic) items.push({ type: 'audio', audio: microphoneWaveform(mic, { name: `microphone audio of turn ${request.turnId}` }) });
  if (request.text.trim()) items.push({ type: 'text', text: request.text });
  return items;
}
