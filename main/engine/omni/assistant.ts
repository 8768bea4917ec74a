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
import type { EngineChatSendRequest, TurnEvent } from '../protocol';
import type { Conversation } from './conversation';
import type { CapturedAudio } from './micCapture';
import { OmniRuntime } from './omniRuntime';
import { attachmentItems, type TurnMedia } from './attachments';

export interface AssistantOptions {
  stateDir: string;
  /** Where a turn's temporary media files (videos, webcam clips) go. */
  scratchDir: string;
  emit: (event: TurnEvent) => void;
  onBusy: (busy: boolean) => void;
  /** Seam for tests. */
  open?: (bundleDir: string) => Promise<OmniRuntime>;
}

interface ConversationState {
  history: ChatMessage[];
  conversation: Conversation;
}

/** Conversations whose KV cache stays in memory; each holds its whole prompt's cache. */
const KEPT_CONVERSATIONS = 2;

export class Assistant {
  private runtime?: { bundleDir: string; omni: Promise<OmniRuntime> };
  private readonly conversations = new Map<string, ConversationState>();
  private active?: { turnId: string; controller: AbortController };

  constructor(private readonly options: AssistantOptions) {}

  async start(request: EngineChatSendRequest, mic?: CapturedAudio): Promise<void> {
    if (this.active) {
      throw new OmniError('INVALID_REQUEST', `Turn ${request.turnId} refused: turn ${this.active.turnId} is still running.`, 'Stop the current reply first.');
    }
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

  private async run(request: EngineChatSendRequest, state: ConversationState, user: ChatMessage, media: TurnMedia, signal: AbortSignal) {
    const { turnId } = request;
    let final: TurnEvent | undefined;
    try {
      const messages = [...(request.system ? [{ role: 'system', content: request.system }] : []), ...state.history, user];
      const { maxNewTokens, ...sampling } = request.sampling ?? {};
      for await (const event of state.conversation.send({ messages, sampling, maxNewTokens, signal })) {
        if (event.type === 'text-delta' && event.text) this.options.emit({ type: 'text-delta', turnId, text: event.text });
        if (event.type === 'done') {
          state.history.push(user, { role: 'assistant', content: event.text });
          final = { type: 'done', turnId, text: event.text, interrupted: event.stopReason === 'cancelled', speechSamples: 0 };
        }
      }
    } catch (error) {
      final = { type: 'error', turnId, error: toErrorInfo(error) };
    } finally {
      await media.dispose();
      // The turn is over before anyone hears so: a `done` listener may start the next turn at once.
      this.active = undefined;
      this.options.onBusy(false);
      this.options.emit(final ?? { type: 'error', turnId, error: { code: 'INTERNAL', message: `Turn ${turnId} ended without a result.` } });
    }
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
function userContent(request: EngineChatSendRequest, media: ContentItem[], mic?: CapturedAudio): ContentItem[] {
  const items = [...media];
  if (mic) items.push({ type: 'audio', audio: microphoneWaveform(mic, { name: `microphone audio of turn ${request.turnId}` }) });
  if (request.text.trim()) items.push({ type: 'text', text: request.text });
  return items;
}
