/** CLI conventions: results on stdout, progress and errors on stderr, exit 0 / 1 (failure) / 2 (usage). */
import { OmniError, toErrorInfo } from '../engine/errors';

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

export class UsageError extends Error {}

/** A `--option N` value as a positive whole number, or undefined when the option is absent; a usage error otherwise. */
export function positiveIntegerOption(value: unknown, command: string, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${command}: ${option} takes a positive whole number, not ${String(value)}`);
  return n;
}

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

export function reportError(io: Io, error: unknown): number {
  if (error instanceof UsageError) {
    io.err(`omnidesk: ${error.message}\nRun "omnidesk --help" for usage.\n`);
    return EXIT.usage;
  }
  const info = error instanceof OmniError ? error.toInfo() : toErrorInfo(error);
  io.err(`omnidesk: ${info.code}: ${info.message}\n${info.hint ? `  ${info.hint}\n` : ''}`);
  return EXIT.failure;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}
