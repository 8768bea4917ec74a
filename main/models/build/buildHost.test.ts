import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineExit } from '../../engine/host/supervisor';
import { processBuildRunner, type BuildChild } from './buildHost';

/** A build process the test speaks for. */
function fakeChild() {
  let deliver: (message: unknown) => void = () => undefined;
  let exit: (exit: EngineExit) => void = () => undefined;
  const child = {
    post: vi.fn(),
    onMessage: (listener: (message: unknown) => void) => (deliver = listener),
    onExit: (listener: (e: EngineExit) => void) => (exit = listener),
    kill: vi.fn(() => exit({ code: null, reason: 'was killed by SIGKILL' })),
  } satisfies BuildChild;
  return { child, say: (message: unknown) => deliver(message), exit: (e: EngineExit) => exit(e) };
}

let root: string;
let checkpointDir: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-buildhost-'));
  checkpointDir = path.join(root, 'rev', 'checkpoint');
  mkdirSync(checkpointDir, { recursive: true });
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const model = { id: 'Qwen/Qwen3-Omni-30B-A3B-Instruct', revision: 'abc123' };
const request = (signal = new AbortController().signal, onProgress = vi.fn()) => ({ checkpointDir, model, variant: 'int4' as const, keepCheckpoint: true, signal, onProgress });

describe('build host', () => {
  it('sends one build request and resolves with the bundle the process reports, passing progress on', async () => {
    const fake = fakeChild();
    const onProgress = vi.fn();
    const built = processBuildRunner(() => fake.child)(request(undefined, onProgress));
    expect(fake.child.post).toHaveBeenCalledWith({ kind: 'build', checkpointDir, model, variant: 'int4', keepCheckpoint: true });
    fake.say({ kind: 'progress', fraction: 0.25, stage: 'thinker' });
    fake.say({ kind: 'progress', fraction: 2, stage: 'out of range: ignored' });
    fake.say({ kind: 'done', bundleDir: '/b/int4' });
    await expect(built).resolves.toEqual({ bundleDir: '/b/int4' });
    expect(onProgress.mock.calls).toEqual([[{ fraction: 0.25, stage: 'thinker' }]]);
  });

  it('passes the builder’s own error through with its code', async () => {
    const fake = fakeChild();
    const built = processBuildRunner(() => fake.child)(request());
    fake.say({ kind: 'failed', error: { code: 'CHECKPOINT_INVALID', message: 'config.json is missing' } });
    await expect(built).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID', message: 'config.json is missing' });
  });

  it('turns a process that dies mid-build into BUILD_FAILED naming how it ended', async () => {
    const fake = fakeChild();
    const built = processBuildRunner(() => fake.child)(request());
    fake.exit({ code: null, reason: 'ran out of memory' });
    await expect(built).rejects.toMatchObject({ code: 'BUILD_FAILED', message: 'The build process ran out of memory before the int4 bundle was finished' });
  });

  it('cancels by killing the process and removing its half-built folders, leaving other variants alone', async () => {
    const bundles = path.join(root, 'rev', 'bundles');
    for (const name of ['.int4.building', '..int4.building.partial-1-ab', 'fp32']) mkdirSync(path.join(bundles, name), { recursive: true });
    const fake = fakeChild();
    const abort = new AbortController();
    const built = processBuildRunner(() => fake.child)(request(abort.signal));
    abort.abort();
    await expect(built).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(fake.child.kill).toHaveBeenCalledOnce();
    expect(['.int4.building', '..int4.building.partial-1-ab', 'fp32'].map((n) => existsSync(path.join(bundles, n)))).toEqual([false, false, true]);
  });

  it('starts no process for a build cancelled before it began', async () => {
    const launch = vi.fn();
    const abort = new AbortController();
    abort.abort();
    await expect(processBuildRunner(launch)(request(abort.signal))).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(launch).not.toHaveBeenCalled();
  });
});
