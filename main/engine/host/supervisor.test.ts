import { afterEach, describe, expect, it } from 'vitest';
import { backoffDelay, EngineSupervisor, withModelLoad, type EngineChild, type EngineExit } from './supervisor';
import { forkLauncher } from './forkLauncher';
import type { EngineState } from '../../ipc/contract';
import type { HostToEngine, TurnEvent } from '../protocol';
import { testTempDir } from '../../../test/tempDir';

/** A scripted engine: the test decides when it is ready, what it answers and when it dies. */
class FakeEngine implements EngineChild {
  readonly received: HostToEngine[] = [];
  private messageListener: (message: unknown) => void = () => {};
  private exitListener: (exit: EngineExit) => void = () => {};
  killed = false;
  post(message: HostToEngine) {
    this.received.push(message);
  }
  onMessage(listener: (message: unknown) => void) {
    this.messageListener = listener;
  }
  onExit(listener: (exit: EngineExit) => void) {
    this.exitListener = listener;
  }
  kill() {
    this.killed = true;
  }
  say(message: unknown) {
    this.messageListener(message);
  }
  die(reason = 'was killed by SIGSEGV') {
    this.exitListener({ code: null, reason });
  }
}

function harness(options: { startTimeoutMs?: number; requestTimeoutMs?: number } = {}) {
  const engines: FakeEngine[] = [];
  const states: EngineState[] = [];
  const turns: TurnEvent[] = [];
  const supervisor = new EngineSupervisor({
    launch: () => {
      const engine = new FakeEngine();
      engines.push(engine);
      return engine;
    },
    backoff: { initialMs: 10, maxMs: 40, resetAfterMs: 60_000 },
    ...options,
  });
  supervisor.onState((state) => states.push(state));
  supervisor.onTurn((event) => turns.push(event));
  return { supervisor, engines, states, turns };
}

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));
let cleanup: Array<() => void> = [];
afterEach(() => {
  cleanup.forEach((fn) => fn());
  cleanup = [];
});

describe('EngineSupervisor', () => {
  it('starts a model\'s status afresh when a model starts to open, and keeps speech reports to the model they belong to', () => {
    const loaded = { bundleDir: '/a', model: { state: 'loaded' as const, ms: 5 }, speech: { state: 'loaded' as const, ms: 2 } };
    expect(withModelLoad(loaded, { bundleDir: '/a', part: 'model', load: { state: 'loading', since: 9 } })).toEqual({ bundleDir: '/a', model: { state: 'loading', since: 9 } });
    expect(withModelLoad(loaded, { bundleDir: '/b', part: 'speech', load: { state: 'loading', since: 9 } })).toBe(loaded);
    expect(withModelLoad(undefined, { bundleDir: '/b', part: 'model', load: { state: 'loaded', ms: 1 } })).toEqual({ bundleDir: '/b', model: { state: 'loaded', ms: 1 } });
  });

  it('doubles the restart delay per consecutive crash up to the cap', () => {
    const backoff = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };
    expect([1, 2, 3, 4, 7, 20].map((n) => backoffDelay(n, backoff))).toEqual([500, 1000, 2000, 4000, 30_000, 30_000]);
  });

  it('holds requests until the engine reports ready, then sends them', async () => {
    const { supervisor, engines, states } = harness();
    supervisor.start();
    const answer = supervisor.request('ping', {});
    expect(engines[0].received).toEqual([]);
    engines[0].say({ kind: 'ready', pid: 42 });
    expect(engines[0].received).toEqual([{ kind: 'request', id: 1, method: 'ping', params: {} }]);
    engines[0].say({ kind: 'response', id: 1, ok: true, result: { uptimeMs: 5 } });
    await expect(answer).resolves.toEqual({ uptimeMs: 5 });
    expect(states.map((s) => s.state)).toEqual(['starting', 'ready']);
    supervisor.stop();
  });

  it('reports busy while the engine works on a turn', () => {
    const { supervisor, engines, states } = harness();
    supervisor.start();
    engines[0].say({ kind: 'ready', pid: 1 });
    engines[0].say({ kind: 'busy', busy: true });
    engines[0].say({ kind: 'busy', busy: false });
    expect(states.map((s) => s.state)).toEqual(['starting', 'ready', 'busy', 'ready']);
    supervisor.stop();
  });

  it('fails sent requests and open turns when the engine dies, then restarts it after the backoff', async () => {
    const { supervisor, engines, states, turns } = harness();
    supervisor.start();
    engines[0].say({ kind: 'ready', pid: 1 });
    const answer = supervisor.request('chat.interrupt', { turnId: 't1' });
    engines[0].say({ kind: 'turn', event: { type: 'started', turnId: 't1' } });
    engines[0].die();
    await expect(answer).rejects.toMatchObject({ code: 'ENGINE_CRASHED', message: 'The engine process was killed by SIGSEGV.' });
    expect(turns.at(-1)).toMatchObject({ type: 'error', turnId: 't1', error: { code: 'ENGINE_CRASHED' } });
    expect(states.at(-1)).toMatchObject({ state: 'crashed', restarts: 0, retryInMs: 10 });
    await tick(30);
    expect(engines).toHaveLength(2);
    expect(states.at(-1)).toEqual({ state: 'starting', restarts: 1 });
    supervisor.stop();
  });

  it('keeps requests that never reached the dead engine for the restarted one', async () => {
    const { supervisor, engines } = harness();
    supervisor.start();
    engines[0].die('exited with code 70');
    const answer = supervisor.request('ping', {});
    await tick(30);
    engines[1].say({ kind: 'ready', pid: 2 });
    expect(engines[1].received).toEqual([{ kind: 'request', id: 1, method: 'ping', params: {} }]);
    engines[1].say({ kind: 'response', id: 1, ok: true, result: { uptimeMs: 1 } });
    await expect(answer).resolves.toEqual({ uptimeMs: 1 });
    supervisor.stop();
  });

  it('grows the delay with each consecutive crash', async () => {
    const { supervisor, engines, states } = harness();
    supervisor.start();
    engines[0].die();
    await tick(15);
    engines[1].die();
    await tick(25);
    engines[2].die();
    const delays = states.filter((s) => s.state === 'crashed').map((s) => s.retryInMs);
    expect(delays).toEqual([10, 20, 40]);
    supervisor.stop();
  });

  it('treats an engine that never reports ready as crashed', async () => {
    const { supervisor, engines, states } = harness({ startTimeoutMs: 20 });
    supervisor.start();
    await tick(30);
    expect(engines[0].killed).toBe(true);
    expect(states.find((s) => s.state === 'crashed')?.lastError?.message).toBe(
      'The engine process did not report ready within 20 ms.',
    );
    supervisor.stop();
  });

  it('times out a request the engine never answers', async () => {
    const { supervisor, engines } = harness({ requestTimeoutMs: 20 });
    supervisor.start();
    engines[0].say({ kind: 'ready', pid: 1 });
    await expect(supervisor.request('ping', {})).rejects.toMatchObject({ code: 'ENGINE_TIMEOUT' });
    supervisor.stop();
  });

  it('keeps what the engine reports of opening a model while it runs, and forgets it with the process', async () => {
    const { supervisor, engines, states } = harness();
    supervisor.start();
    engines[0].say({ kind: 'ready', pid: 1 });
    const report = (part: 'model' | 'speech', load: object) => engines[0].say({ kind: 'model', load: { bundleDir: '/models/int4', part, load } });
    report('model', { state: 'loading', since: 1_000 });
    expect(supervisor.state).toEqual({ state: 'ready', restarts: 0, model: { bundleDir: '/models/int4', model: { state: 'loading', since: 1_000 } } });
    engines[0].say({ kind: 'busy', busy: true });
    report('model', { state: 'loaded', ms: 183_000 });
    report('speech', { state: 'loading', since: 184_000 });
    report('speech', { state: 'loaded', ms: 21_000 });
    expect(supervisor.state).toEqual({
      state: 'busy',
      restarts: 0,
      model: { bundleDir: '/models/int4', model: { state: 'loaded', ms: 183_000 }, speech: { state: 'loaded', ms: 21_000 } },
    });
    engines[0].die();
    expect(states.at(-1)).not.toHaveProperty('model');
    supervisor.stop();
  });

  it('does not time out a request while the engine opens a model: the wait starts again', async () => {
    const { supervisor, engines } = harness({ requestTimeoutMs: 20 });
    supervisor.start();
    engines[0].say({ kind: 'ready', pid: 1 });
    engines[0].say({ kind: 'model', load: { bundleDir: '/models/int4', part: 'model', load: { state: 'loading', since: 0 } } });
    let outcome: unknown;
    supervisor.request('ping', {}).then((value) => (outcome = value), (error: unknown) => (outcome = error));
    await tick(70);
    expect(outcome).toBeUndefined();
    engines[0].say({ kind: 'model', load: { bundleDir: '/models/int4', part: 'model', load: { state: 'loaded', ms: 70 } } });
    await tick(50);
    expect(outcome).toMatchObject({ code: 'ENGINE_TIMEOUT', message: 'Engine request ping got no answer within 20 ms.' });
    supervisor.stop();
  });

  it('fails a turn that was accepted but not started yet (its model still opening) when the engine dies', async () => {
    const { supervisor, engines, turns } = harness();
    supervisor.start();
    engines[0].say({ kind: 'ready', pid: 1 });
    const accepted = supervisor.request('chat.send', { conversationId: 'c', turnId: 't1', text: 'Hi', attachments: [], micAudio: false, speak: false, bundleDir: '/models/int4' });
    engines[0].say({ kind: 'response', id: 1, ok: true, result: { turnId: 't1' } });
    await expect(accepted).resolves.toEqual({ turnId: 't1' });
    engines[0].die('was killed by SIGKILL');
    expect(turns).toEqual([{ type: 'error', turnId: 't1', error: expect.objectContaining({ code: 'ENGINE_CRASHED', message: 'The engine process was killed by SIGKILL.' }) }]);
    supervisor.stop();
  });

  it('rejects a malformed engine answer instead of passing it on', async () => {
    const { supervisor, engines } = harness();
    supervisor.start();
    engines[0].say({ kind: 'ready', pid: 1 });
    const answer = supervisor.request('ping', {});
    engines[0].say({ kind: 'response', id: 1, ok: true, result: { uptimeMs: 'soon' } });
    await expect(answer).rejects.toMatchObject({ code: 'INTERNAL' });
    supervisor.stop();
  });

  it('closes multiplexed streams when the engine dies', async () => {
    const { supervisor, engines } = harness();
    supervisor.start();
    engines[0].say({ kind: 'ready', pid: 1 });
    const stream = supervisor.openStream();
    const received: unknown[] = [];
    let closed = false;
    stream.onMessage((message) => received.push(message));
    stream.onClose(() => (closed = true));
    engines[0].say({ kind: 'stream', streamId: 1, message: { type: 'speech.end', turnId: 't', samples: 0 } });
    engines[0].die();
    expect(received).toEqual([{ type: 'speech.end', turnId: 't', samples: 0 }]);
    expect(closed).toBe(true);
    supervisor.stop();
  });

  it('does not restart after stop, and refuses new requests', async () => {
    const { supervisor, engines, states } = harness();
    supervisor.start();
    engines[0].say({ kind: 'ready', pid: 1 });
    supervisor.stop();
    engines[0].die();
    await tick(30);
    expect(engines).toHaveLength(1);
    expect(states.at(-1)?.state).toBe('stopped');
    await expect(supervisor.request('ping', {})).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });
});

describe('EngineSupervisor with a real forked engine', () => {
  it('answers system.info, survives SIGKILL of the engine and answers again after the restart', async () => {
    const home = testTempDir('supervisor');
    const pids: number[] = [];
    const supervisor = new EngineSupervisor({
      launch: forkLauncher({ env: { OMNIDESK_HOME: home } }),
      backoff: { initialMs: 50 },
    });
    cleanup.push(() => supervisor.stop());
    supervisor.start();
    const first = await supervisor.request('system.info', {});
    pids.push(first.pid);
    expect(first.onnxruntime.version).toBe('1.30.0');
    expect(first.executionProviders.find((ep) => ep.name === 'cpu')).toEqual({
      name: 'cpu',
      available: true,
      reason: 'probe session created and ran',
    });

    const crashed = new Promise<EngineState>((resolve) => supervisor.onState((s) => s.state === 'crashed' && resolve(s)));
    process.kill(first.pid, 'SIGKILL');
    expect((await crashed).lastError?.message).toBe('The engine process was killed by SIGKILL.');

    const second = await supervisor.request('system.info', {});
    expect(second.pid).not.toBe(first.pid);
    expect(supervisor.state).toEqual({ state: 'ready', restarts: 1 });
  });
});
