/**
 * The one turn a source of replies (the local model, a remote server) runs at a time. A stopped turn no longer
 * holds the slot: the next one may be claimed at once, and its caller starts it once `previous` (the end of the turn
 * claimed before it) has settled, so the user's next question after a Stop is never refused for the race.
 */
import { OmniError } from './errors';

/** The engine answers one turn at a time, local or remote. */
export function turnStillRunning(turnId: string, running: string): OmniError {
  return new OmniError('INVALID_REQUEST', `Turn ${turnId} refused: turn ${running} is still running.`, 'Stop the current reply first.');
}

export class TurnSlot<T extends { turnId: string }> {
  private claimed?: { turn: T; controller: AbortController };
  private last: Promise<void> = Promise.resolve();

  /** The turn claimed and not stopped: the one a new turn would be refused for. */
  get running(): string | undefined {
    return this.claimed && !this.claimed.controller.signal.aborted ? this.claimed.turn.turnId : undefined;
  }

  /** The turn claimed last, stopped or not, until it has ended. */
  get current(): T | undefined {
    return this.claimed?.turn;
  }

  /** Claims `turn`, or throws why not. `signal` stops it; `previous` settles once the turn before it has ended. */
  claim(turn: T): { signal: AbortSignal; previous: Promise<void> } {
    const running = this.running;
    if (running) throw turnStillRunning(turn.turnId, running);
    this.claimed = { turn, controller: new AbortController() };
    return { signal: this.claimed.controller.signal, previous: this.last };
  }

  /** How the turn claimed last ends: the next claim's `previous`. */
  endsWith(ended: Promise<void>): void {
    this.last = ended.catch(() => undefined);
  }

  /** The turn has ended: the slot is free unless a later turn holds it. */
  free(turnId: string): void {
    if (this.claimed?.turn.turnId === turnId) this.claimed = undefined;
  }

  /** Stops the claimed turn; false when `turnId` is not it. */
  interrupt(turnId: string): boolean {
    if (this.claimed?.turn.turnId !== turnId) return false;
    this.claimed.controller.abort();
    return true;
  }

  /** Settles once the turn claimed last has ended. */
  idle(): Promise<void> {
    return this.last;
  }
}
