/**
 * Turns answered by a remote OpenAI-compatible server, with the local assistant's events and speech: `started`,
 * text deltas, 24 kHz speech chunks then their end, `done` (or `error`); one turn at a time; `interrupt` aborts
 * the request at once, which closes the connection, so the server stops generating too. The server keeps no state
 * between requests, so each conversation's history (what the user sent, and the reply's text as far as it got) is
 * kept here and sent again with every follow-up, for the last few conversations, like the local assistant's.
 *
 * A turn is accepted once the server has accepted the request (status 200): a wrong address, key or model makes
 * `chat.send` fail with the reason; what fails later arrives as a `turn.error` event.
 */
import { toErrorInfo } from '../errors';
import { type AssistantOptions, KEPT_CONVERSATIONS } from '../omni/assistant';
import { TurnSlot } from '../turnSlot';
import type { CapturedAudio } from '../omni/micCapture';
import type { RemoteChatSendRequest, TurnEvent } from '../protocol';
import { chatRequestBody } from './chatRequest';
import { openChatStream, type RemoteTimeouts, serverName } from './client';
import { type ChatMessage, userMessage } from './messages';
import { ReplyReader } from './reply';

export interface RemoteAssistantOptions extends Pick<AssistantOptions, 'emit' | 'onBusy' | 'onSpeech'> {
  /** Where a webcam clip is put together before it is sent. */
  scratchDir: string;
  timeouts?: RemoteTimeouts;
  /** Fields added to every request body, for what the app's turn request has no field for (the CLI's --seed). */
  extraBody?: Record<string, unknown>;
}

export class RemoteAssistant {
  private readonly conversations = new Map<string, ChatMessage[]>();
  private readonly turns = new TurnSlot<{ turnId: string }>();

  constructor(private readonly options: RemoteAssistantOptions) {}

  /** The turn running and not stopped: the one a new turn would be refused for. */
  get activeTurn(): string | undefined {
    return this.turns.running;
  }

  /** Starts the turn once it is claimed and a stopped turn still closing its connection has ended. */
  async start(request: RemoteChatSendRequest, mic?: CapturedAudio): Promise<void> {
    // Claimed before the first await, so a second request cannot slip in while the first connects.
    const { signal, previous } = this.turns.claim({ turnId: request.turnId });
    try {
      await previous;
      const user = await userMessage(request, mic, this.options.scratchDir);
      const history = this.history(request.conversationId);
      const messages: ChatMessage[] = [...(request.system ? [{ role: 'system' as const, content: request.system }] : []), ...history, user];
      const body = { ...chatRequestBody(request, messages), ...this.options.extraBody };
      // Stopped before the server answered: the turn still starts, and ends at once as interrupted.
      const chunks = await openChatStream(request.remote, body, { signal, timeouts: this.options.timeouts }).catch(
        (error: unknown) => {
          if (signal.aborted) return undefined;
          throw error;
        },
      );
      this.options.onBusy(true);
      this.options.emit({ type: 'started', turnId: request.turnId });
      this.turns.endsWith(this.run(request, history, user, chunks, signal));
    } catch (error) {
      this.turns.free(request.turnId);
      throw error;
    }
  }

  /** Stops the running turn and closes its connection; false when `turnId` is not running. */
  interrupt(turnId: string): boolean {
    return this.turns.interrupt(turnId);
  }

  private async run(request: RemoteChatSendRequest, history: ChatMessage[], user: ChatMessage, chunks: AsyncIterable<unknown> | undefined, signal: AbortSignal) {
    const { turnId } = request;
    const reply = new ReplyReader(serverName(request.remote));
    let final: TurnEvent | undefined;
    let seq = 0;
    let speechSamples = 0;
    try {
      for await (const chunk of chunks ?? []) {
        for (const part of reply.read(chunk)) {
          if (part.type === 'text') {
            this.options.emit({ type: 'text-delta', turnId, text: part.text });
          } else {
            this.options.onSpeech({ turnId, seq: seq++, samples: part.samples });
            speechSamples += part.samples.length;
          }
        }
      }
      final = { type: 'done', turnId, text: reply.text, interrupted: signal.aborted, speechSamples };
    } catch (error) {
      final = signal.aborted
        ? { type: 'done', turnId, text: reply.text, interrupted: true, speechSamples }
        : { type: 'error', turnId, error: toErrorInfo(error) };
    } finally {
      if (final?.type === 'done') history.push(user, { role: 'assistant', content: final.text });
      if (seq > 0) this.options.onSpeech({ turnId, end: true, samples: speechSamples });
      // The turn is over before anyone hears so: a `done` listener may start the next turn at once.
      this.turns.free(turnId);
      this.options.onBusy(false);
      this.options.emit(final ?? { type: 'error', turnId, error: { code: 'INTERNAL', message: `Turn ${turnId} ended without a result.` } });
    }
  }

  /** The conversation's messages so far, most recently used kept, the oldest beyond the limit forgotten. */
  private history(conversationId: string): ChatMessage[] {
    const history = this.conversations.get(conversationId) ?? [];
    this.conversations.delete(conversationId);
    this.conversations.set(conversationId, history);
    for (const old of this.conversations.keys()) {
      if (this.conversations.size <= KEPT_CONVERSATIONS) break;
      this.conversations.delete(old);
    }
    return history;
  }
}
