/** Shared pieces of the benchmarks: timing with warm-up and medians, memory readings, and the printed line format. */
import { readFileSync } from 'node:fs';

/** A field of this process's /proc/self/status in bytes (Linux); undefined elsewhere. */
export function procStatusBytes(field: 'VmHWM' | 'RssAnon'): number | undefined {
  if (process.platform !== 'linux') return undefined;
  const match = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync('/proc/self/status', 'utf8'));
  return match ? Number(match[1]) * 1024 : undefined;
}

export interface BenchResult {
  /** What was measured, e.g. "log-mel 30 s audio". */
  name: string;
  /** Median wall time of ours, or another figure (then `unit` says what). */
  value: number;
  unit: string;
  /** The named peer measured in the same run on the same input, if any. */
  peer?: { name: string; value: number };
  /** Target ratio peer/ours (speed-up) the issue sets, if any. */
  target?: number;
  note?: string;
}

export interface Bench {
  name: string;
  /** `args`: what follows the bench names on the command line, from the first `--option` on. */
  run: (args: readonly string[]) => Promise<BenchResult[]>;
}

/** Median milliseconds of `runs` calls after `warmup` discarded calls. */
export async function medianMs(fn: () => unknown, { runs = 9, warmup = 2 } = {}): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export function formatResult(result: BenchResult): string {
  const value = `${result.value.toFixed(result.value < 10 ? 2 : 1)} ${result.unit}`;
  let line = `${result.name.padEnd(44)} ${value.padStart(12)}`;
  if (result.peer) {
    const ratio = result.peer.value / result.value;
    line += `   ${result.peer.name}: ${result.peer.value.toFixed(1)} ${result.unit}   ratio ${ratio.toFixed(2)}×`;
    if (result.target !== undefined) line += ` (target ≥ ${result.target}× — ${ratio >= result.target ? 'met' : 'NOT met'})`;
  }
  if (result.note) line += `   ${result.note}`;
  return line;
}
