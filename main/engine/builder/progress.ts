/**
 * Build progress by checkpoint bytes read: reading (and converting) the weights is nearly all of the work, so bytes
 * read over bytes to read is a fair fraction, and the ETA extrapolates the elapsed time from it. The bytes to read
 * are planned per graph (graphPlan.ts), a tensor counted once for every graph that reads it, so the total is the work
 * the build really does.
 *
 * A graph's reads count up to one byte short of its share: that byte counts when the graph's file is written, so
 * 100 % means every graph is on disk. Reads past a graph's share (a plan that missed a tensor) wait there rather than
 * run ahead, and a share the graph did not read in full (a tensor the plan names but no graph needs) is passed when
 * its file is written: the fraction never goes back and reaches 1 only at the end. The copy of the small upstream
 * files and the self-check run after that, at 100 %, each announced as its phase.
 */
import { OmniError } from '../errors';

export interface BuildProgress {
  /** What is being done: a graph name, `files` (copy + hash) or `self-check`. */
  phase: string;
  doneBytes: number;
  totalBytes: number;
  elapsedSeconds: number;
  /** null until something was read. */
  etaSeconds: number | null;
}

export class ProgressTracker {
  private readonly totalBytes: number;
  private done = 0;
  private phase = 'start';
  /** Where the graph being written ends. */
  private graphEnd = 0;
  private readonly started = Date.now();

  /** `graphBytes`: each graph's share, in checkpoint bytes. */
  constructor(
    private readonly graphBytes: ReadonlyMap<string, number>,
    private readonly report: (progress: BuildProgress) => void = () => {},
  ) {
    this.totalBytes = [...graphBytes.values()].reduce((a, b) => a + b, 0);
  }

  startGraph(name: string): void {
    const share = this.graphBytes.get(name);
    if (share === undefined) throw new OmniError('INTERNAL', `build progress: graph ${name} is not in the plan`);
    this.graphEnd = this.done + share;
    this.enter(name);
  }

  /** Checkpoint bytes the current graph read. */
  read(bytes: number): void {
    this.done = Math.max(this.done, Math.min(this.graphEnd - 1, this.done + bytes));
    this.emit();
  }

  graphWritten(): void {
    this.done = this.graphEnd;
    this.emit();
  }

  /** A phase after the graphs. */
  enter(phase: string): void {
    this.phase = phase;
    this.emit();
  }

  private emit(): void {
    const elapsedSeconds = (Date.now() - this.started) / 1000;
    const etaSeconds = this.done > 0 ? (elapsedSeconds * (this.totalBytes - this.done)) / this.done : null;
    this.report({ phase: this.phase, doneBytes: this.done, totalBytes: this.totalBytes, elapsedSeconds, etaSeconds });
  }
}
