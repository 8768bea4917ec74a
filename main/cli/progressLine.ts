/** One progress line on stderr, shared by the long-running commands (pull, build). */
import type { Io } from './output';

export const formatDuration = (seconds: number): string =>
  seconds >= 3600
    ? `${Math.floor(seconds / 3600)}h ${String(Math.floor((seconds % 3600) / 60)).padStart(2, '0')}m`
    : `${Math.floor(seconds / 60)}m ${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;

/** Redrawn in place on a terminal (at most 10 times a second), a plain line every 5 s otherwise (logs, CI). */
export class ProgressLine {
  private last = 0;
  private lastText = '';
  private shown = false;

  constructor(
    private readonly io: Io,
    private readonly tty: boolean,
  ) {}

  show(text: string, force = false): void {
    const now = performance.now();
    if (!force && now - this.last < (this.tty ? 100 : 5_000)) return;
    if (!this.tty && text === this.lastText) return;
    this.last = now;
    this.lastText = text;
    this.io.err(this.tty ? `\r\x1b[2K${text}` : `${text}\n`);
    this.shown = this.tty;
  }

  /** Ends the redrawn line so the next message starts on its own line. */
  end(): void {
    if (this.shown) this.io.err('\n');
    this.shown = false;
  }
}
