import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { forkLauncher } from './forkLauncher';
import { runBelowNormal, type PriorityControl } from './priority';

const BELOW_NORMAL = os.constants.priority.PRIORITY_BELOW_NORMAL;

const failing = (code: string): PriorityControl => ({
  constants: os.constants,
  setPriority: vi.fn(() => {
    throw Object.assign(new Error(`${code}: operation not permitted`), { code });
  }),
});

describe('running inference processes below normal priority', () => {
  const cleanup: Array<() => void> = [];
  afterEach(() => cleanup.splice(0).forEach((step) => step()));

  it('lowers a real child process to below normal', () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    cleanup.push(() => child.kill('SIGKILL'));
    runBelowNormal(child.pid, 'sleeper');
    expect(os.getPriority(child.pid)).toBe(BELOW_NORMAL);
  });

  it('logs a refusal (EACCES) and lets the process run on', () => {
    const system = failing('EACCES');
    const log = vi.fn();
    expect(() => runBelowNormal(4242, 'Omnidesk Engine', system, log)).not.toThrow();
    expect(system.setPriority).toHaveBeenCalledWith(4242, BELOW_NORMAL);
    expect(log).toHaveBeenCalledWith('Omnidesk Engine (pid 4242) keeps normal priority: lowering it failed with EACCES');
  });

  it('does nothing for a process that never got a pid (it failed to spawn)', () => {
    const system = failing('ESRCH');
    runBelowNormal(undefined, 'Omnidesk Engine', system, vi.fn());
    expect(system.setPriority).not.toHaveBeenCalled();
  });

  it('the forked engine host starts its child below normal', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-priority-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const entry = path.join(dir, 'child.mjs');
    writeFileSync(entry, "process.send({ pid: process.pid }); process.on('message', () => process.exit(0));\n");
    const child = forkLauncher({ entry })();
    cleanup.push(() => child.kill());
    const { pid } = await new Promise<{ pid: number }>((resolve) => child.onMessage((message) => resolve(message as { pid: number })));
    expect(os.getPriority(pid)).toBe(BELOW_NORMAL);
  });
});
