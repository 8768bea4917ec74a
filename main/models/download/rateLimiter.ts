/**
 * The optional bandwidth cap, shared by every parallel transfer of a download: a token bucket that goes into debt,
 * so each transfer waits in proportion to what all of them took and the sum stays at the cap. The cap can change
 * while a download runs (a settings slider).
 */
import { sleep } from '../hub/retry';

export class RateLimiter {
  private tokens = 0;
  private last = performance.now();

  constructor(private bytesPerSecond: number | undefined) {}

  setRate(bytesPerSecond: number | undefined): void {
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = 0;
  }

  async take(bytes: number, signal?: AbortSignal): Promise<void> {
    const rate = this.bytesPerSecond;
    if (!rate) return;
    const now = performance.now();
    // A quarter second of burst: enough to keep sockets busy, small enough that the cap is visible at once.
    this.tokens = Math.min(rate / 4, this.tokens + ((now - this.last) / 1000) * rate) - bytes;
    this.last = now;
    if (this.tokens < 0) await sleep((-this.tokens / rate) * 1000, signal);
  }
}
