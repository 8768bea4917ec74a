/**
 * Vitest global setup: one scratch folder per run becomes the temporary directory of the test workers and of every
 * process they spawn (CLI, engine host, build children, Chromium), and is removed when the run ends, passed or failed.
 * It is a safety net: CI runs the suite again and again on one machine, and a temporary file a test forgets must not
 * accumulate there. Tests still remove their own (tempDir.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// os.tmpdir() reads TMPDIR on POSIX and TEMP, then TMP, on Windows.
const TEMP_VARIABLES = ['TMPDIR', 'TEMP', 'TMP'] as const;

export default function setup(): () => void {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-vitest-'));
  const previous = TEMP_VARIABLES.map((name) => [name, process.env[name]] as const);
  // Vitest starts its workers after global setup, with this process's environment; they pass it on to their children.
  for (const name of TEMP_VARIABLES) process.env[name] = scratch;
  // Retries: a child that was just stopped may still be closing files in there.
  const removeScratch = () => rmSync(scratch, { recursive: true, force: true, maxRetries: 5 });
  // On Ctrl-C or SIGTERM (a CI timeout) Vitest exits without tearing global setup down.
  process.once('exit', removeScratch);
  return () => {
    process.off('exit', removeScratch);
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    removeScratch();
  };
}
