/**
 * Transfer speed over a sliding window, so a stall shows as a falling speed and a growing ETA instead of the last
 * good number frozen on screen (LM Studio #2370).
 */
export class SpeedMeter {
  private samples: { at: number; bytes: number }[] = [];
  private total = 0;

  constructor(
    private readonly windowMs = 5_000,
    private readonly now: () => number = () => performance.now(),
  ) {}

  add(bytes: number): void {
    this.total += bytes;
    this.samples.push({ at: this.now(), bytes: this.total });
    this.trim();
  }

  /** Bytes per second over the window; 0 when nothing arrived in it. */
  bytesPerSecond(): number {
    this.trim();
    const now = this.now();
    const oldest = this.samples[0];
    if (!oldest) return 0;
    const span = Math.max(now - oldest.at, this.windowMs / 5);
    return ((this.total - oldest.bytes) / span) * 1000;
  }

  private trim(): void {
    const cutoff = this.now() - this.windowMs;
    // Keep one sample at or before the cutoff as the baseline of the window.
    while (this.samples.length > 1 && this.samples[1].at <= cutoff) this.samples.shift();
    if (this.samples.length === 1 && this.samples[0].at < cutoff && this.samples[0].bytes === this.total) this.samples.shift();
  }
}

export function etaSeconds(remainingBytes: number, bytesPerSecond: number): number | undefined {
  return bytesPerSecond > 0 ? remainingBytes / bytesPerSecond : undefined;
}
