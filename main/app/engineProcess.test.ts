import { EventEmitter } from 'node:events';
import os from 'node:os';
import { describe, expect, it, vi } from 'vitest';
import { BUILDER_SERVICE_NAME, ENGINE_SERVICE_NAME, engineEnv, goneExit, utilityProcessLauncher } from './engineProcess';
import type { EngineExit } from '../engine/host/supervisor';

describe('engine environment', () => {
  it('drops variables that inject code or change how Node and Electron load it, and sets the data folder', () => {
    const env = engineEnv(
      {
        PATH: '/usr/bin',
        HOME: '/home/u',
        NODE_OPTIONS: '--require /tmp/evil.js',
        NODE_PATH: '/tmp',
        NODE_REPL_EXTERNAL_MODULE: '/tmp/repl.js',
        ELECTRON_RUN_AS_NODE: '1',
        ELECTRON_NO_ASAR: '1',
        node_options: '--inspect',
        OMNIDESK_HOME: '/elsewhere',
        UNSET: undefined,
      },
      '/data/Omnidesk',
    );
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/u', OMNIDESK_HOME: '/data/Omnidesk' });
  });
});

describe('engine exit reasons', () => {
  it.each([
    ['crashed', 139, 'crashed (exit code 139)'],
    ['oom', 0, 'ran out of memory'],
    ['killed', 9, 'was killed'],
    ['abnormal-exit', 70, 'exited abnormally with code 70'],
    ['launch-failed', 2, 'failed to launch (error 2)'],
    ['integrity-failure', 0, 'failed a code integrity check'],
  ] as const)('%s reads as "%s"', (reason, exitCode, text) => {
    expect(goneExit({ reason, exitCode })).toEqual({ code: exitCode, reason: text });
  });
});

function harness(serviceName?: string) {
  const app = new EventEmitter();
  const children: Array<EventEmitter & { pid?: number; postMessage: ReturnType<typeof vi.fn>; kill: ReturnType<typeof vi.fn> }> = [];
  const priority = { constants: os.constants, setPriority: vi.fn() };
  const fork = vi.fn(() => {
    const child = Object.assign(new EventEmitter(), { pid: undefined as number | undefined, postMessage: vi.fn(), kill: vi.fn(() => true) });
    children.push(child);
    return child;
  });
  const launch = utilityProcessLauncher({
    fork: fork as never,
    app: app as never,
    entry: '/app/out/main/engine.js',
    home: '/data/Omnidesk',
    env: { PATH: '/usr/bin', NODE_OPTIONS: '--inspect' },
    serviceName,
    priority,
  });
  return { app, children, fork, launch, priority };
}

describe('utilityProcess launcher', () => {
  it('forks the built engine as a named service with a clean environment', () => {
    const { fork, launch } = harness();
    launch();
    expect(fork).toHaveBeenCalledWith('/app/out/main/engine.js', [], {
      serviceName: ENGINE_SERVICE_NAME,
      stdio: 'inherit',
      env: { PATH: '/usr/bin', OMNIDESK_HOME: '/data/Omnidesk' },
    });
  });

  it('lowers the process to below-normal priority once it has spawned and has a pid', () => {
    const { children, launch, priority } = harness();
    launch();
    expect(priority.setPriority).not.toHaveBeenCalled();
    children[0].pid = 4242;
    children[0].emit('spawn');
    expect(priority.setPriority).toHaveBeenCalledWith(4242, os.constants.priority.PRIORITY_BELOW_NORMAL);
  });

  it('posts messages with their transferred ports, relays messages and kills', () => {
    const { children, launch } = harness();
    const engine = launch();
    const port = { kind: 'port' };
    engine.post({ kind: 'attach-stream', streamId: 1 }, [port]);
    expect(children[0].postMessage).toHaveBeenCalledWith({ kind: 'attach-stream', streamId: 1 }, [port]);
    const received: unknown[] = [];
    engine.onMessage((message) => received.push(message));
    children[0].emit('message', { kind: 'ready', pid: 1 });
    expect(received).toEqual([{ kind: 'ready', pid: 1 }]);
    engine.kill();
    expect(children[0].kill).toHaveBeenCalled();
  });

  it('reports a crash once, with Chromium\'s reason when that comes first', () => {
    const { app, children, launch } = harness();
    const exits: EngineExit[] = [];
    launch().onExit((exit) => exits.push(exit));
    app.emit('child-process-gone', {}, { type: 'Utility', name: ENGINE_SERVICE_NAME, reason: 'oom', exitCode: 0 });
    children[0].emit('exit', 0);
    expect(exits).toEqual([{ code: 0, reason: 'ran out of memory' }]);
    expect(app.listenerCount('child-process-gone')).toBe(0);
  });

  it('reports a plain exit when the process just ends, and ignores other processes going', () => {
    const { app, children, launch } = harness();
    const exits: EngineExit[] = [];
    launch().onExit((exit) => exits.push(exit));
    app.emit('child-process-gone', {}, { type: 'GPU', reason: 'crashed', exitCode: 1 });
    app.emit('child-process-gone', {}, { type: 'Utility', name: 'Audio Service', reason: 'crashed', exitCode: 1 });
    children[0].emit('exit', 70);
    app.emit('child-process-gone', {}, { type: 'Utility', name: ENGINE_SERVICE_NAME, reason: 'abnormal-exit', exitCode: 70 });
    expect(exits).toEqual([{ code: 70, reason: 'exited with code 70' }]);
  });

  it('tells a model builder apart from the engine: each hears only its own service going', () => {
    const { app, fork, launch } = harness(BUILDER_SERVICE_NAME);
    const exits: EngineExit[] = [];
    launch().onExit((exit) => exits.push(exit));
    expect(fork).toHaveBeenCalledWith('/app/out/main/engine.js', [], expect.objectContaining({ serviceName: 'Omnidesk Model Builder' }));
    app.emit('child-process-gone', {}, { type: 'Utility', name: ENGINE_SERVICE_NAME, reason: 'crashed', exitCode: 11 });
    app.emit('child-process-gone', {}, { type: 'Utility', name: BUILDER_SERVICE_NAME, reason: 'oom', exitCode: 0 });
    expect(exits).toEqual([{ code: 0, reason: 'ran out of memory' }]);
  });
});
