/**
 * Temporary folders for tests, each removed by the test or suite that made it, whether it passed or failed.
 * (globalSetup.ts removes whatever still slips through at the end of the run.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, onTestFinished } from 'vitest';

const makeTempDir = (label: string) => mkdtempSync(path.join(os.tmpdir(), `omnidesk-${label}-`));
const removal = (dir: string) => () => rmSync(dir, { recursive: true, force: true, maxRetries: 5 });

/** A fresh folder `omnidesk-<label>-…`, removed when the current test finishes: call it in a test or a beforeEach. */
export function testTempDir(label: string): string {
  const dir = makeTempDir(label);
  onTestFinished(removal(dir));
  return dir;
}

/**
 * A fresh folder `omnidesk-<label>-…`, removed after the tests of the file or describe block that makes it: call it
 * where tests are declared, not in a hook or a test.
 */
export function suiteTempDir(label: string): string {
  const dir = makeTempDir(label);
  afterAll(removal(dir));
  return dir;
}
