/**
 * Persists turns as they happen. `chat.send` calls `begin` before forwarding to the engine, so the user's message
 * is on disk first; engine turn events are then written as they arrive. Text deltas that arrive in the same
 * event-loop turn are committed together (one `setImmediate` later), so a burst of tokens costs one small
 * transaction and a kill loses at most the deltas of the current tick.
 */
import type { ErrorInfo } from '../engine/errors';
import type { ChatSendRequest, TurnEvent } from '../engine/protocol';
import type { ConversationStore } from './conversations';

export class TurnRecorder {
  private readonly pending = new Map<string, string>();
  private flushScheduled: NodeJS.Immediate | undefined;

  constructor(private readonly store: ConversationStore) {}

  /** `backend` answers the conversation if this turn is its first. */
  begin = (request: ChatSendRequest, backend?: string): Promise<void> => this.store.beginTurn(request, backend);

  /** The engine refused the turn (no model, engine down): the reply records why. */
  refused(turnId: string, error: ErrorInfo): void {
    this.store.failTurn(turnId, error);
  }

  /** From `chat.interrupt`: how much of the spoken reply the user heard. */
  heard(turnId: string, samples: number | undefined): void {
    if (samples !== undefined) this.store.setHeardSamples(turnId, samples);
  }

  onTurnEvent = (event: TurnEvent): void => {
    switch (event.type) {
      case 'loading':
      case 'started':
        return;
      case 'text-delta':
        this.pending.set(event.turnId, (this.pending.get(event.turnId) ?? '') + event.text);
        this.flushScheduled ??= setImmediate(this.flush);
        return;
      case 'done':
        this.flushTurn(event.turnId);
        this.store.finishTurn(event.turnId, event.text, event.interrupted);
        return;
      case 'error':
        this.flushTurn(event.turnId);
        this.store.failTurn(event.turnId, event.error);
        return;
    }
  };

  /** Commits every buffered delta now (also before the app quits). */
  flush = (): void => {
    clearImmediate(this.flushScheduled);
    this.flushScheduled = undefined;
    for (const turnId of [...this.pending.keys()]) this.flushTurn(turnId);
  };

  private flushTurn(turnId: string): void {
    const text = this.pending.get(turnId);
    this.pending.delete(turnId);
    if (text) this.store.appendText(turnId, text);
  }
}
