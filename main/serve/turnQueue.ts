/**
 * One turn on the model at a time, the others waiting first come, first served. The wait is bounded: a request
 * beyond `maxWaiting` is refused at once with a 429 rather than held for minutes, and a client that leaves while
 * waiting gives up its place.
 */
import { ApiError } from './openaiErrors';

export class TurnQueue {
  private running = false;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly maxWaiting: number) {}

  /** Resolves with the function that hands the model to the next in line. */
  async acquire(signal: AbortSignal): Promise<() => void> {
    signal.throwIfAborted();
    if (this.running) {
      if (this.waiting.length >= this.maxWaiting) {
        throw new ApiError(429, `The model is busy: one reply is being generated and ${this.waiting.length} requests are waiting. Retry later.`, {
          type: 'requests',
          code: 'rate_limit_exceeded',
          headers: { 'Retry-After': '1' },
        });
      }
      await new Promise<void>((resolve, reject) => {
        const turn = () => {
          signal.removeEventListener('abort', leave);
          resolve();
        };
        const leave = () => {
          this.waiting.splice(this.waiting.indexOf(turn), 1);
          reject(signal.reason);
        };
        this.waiting.push(turn);
        signal.addEventListener('abort', leave, { once: true });
      });
    }
    this.running = true;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running = false;
      const next = this.waiting.shift();
      if (next) {
        this.running = true;
        next();
      }
    };
  }
}
