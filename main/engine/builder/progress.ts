/**
 * Build progress by checkpoint bytes consumed: reading (and converting) the weights is nearly all of the work, so
 * bytes read over bytes to read is a fair fraction, and the ETA extrapolates the elapsed time from it.
 */
export interface BuildProgress {
  /** What is being written: a graph name, `files` (copy + hash) or `self-check`. */
  phase: string;
  doneBytes: number;
  totalBytes: number;
  elapsedSeconds: number;
  /** null until something was read. */
  etaSeconds: number | null;
}

export class ProgressTracker {
  private done = 0;
  private phase = 'start';
  private readonly started = Date.now();

  constructor(
    private readonly totalBytes: number,
    private readonly report: (progress: BuildProgress) => void = () => {},
  ) {}

  enter(phase: string): void {
    this.phase = phase;
    this.emit();
  }

  advance(bytes: number): void {
    this.done = Math.min(this.totalBytes, this.done + bytes);
    this.emit();
  }

  private emit(): void {
    const elapsedSeconds = (Date.now() - this.started) / 1000;
    const etaSeconds = this.done > 0 ? (elapsedSeconds * (this.totalBytes - this.done)) / this.done : null;
    this.report({ phase: this.phase, doneBytes: this.done, totalBytes: this.totalBytes, elapsedSeconds, etaSeconds });
  }
}
