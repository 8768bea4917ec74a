import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import os from 'node:os';
import path from 'node:path';
import { Engine } from './engine';
import type { StreamEndpoint } from './parent';
import type { EngineToHost, StreamDown } from './protocol';
import { OmniError } from './errors';
import type { OmniRuntime } from './omni/omniRuntime';
import { testTempDir } from '../../test/tempDir';
import { until } from '../../test/until';

/** `open` replaces how the engine's assistant opens a bundle (by default, for real). */
function engineHarness(open?: (bundleDir: string) => Promise<OmniRuntime>) {
  const emitted: EngineToHost[] = [];
  const dir = testTempDir('engine');
  const emit = (message: EngineToHost) => emitted.push(message);
  const engine = new Engine({ stateDir: dir, scratchDir: dir, emit, open });
  const responses = () => emitted.filter((m): m is Extract<EngineToHost, { kind: 'response' }> => m.kind === 'response');
  /** Resolves once the turn has ended, with every message sent so far. */
  const turnEnded = (turnId: string) =>
    until(() => emitted.some((m) => m.kind === 'turn' && m.event.turnId === turnId && (m.event.type === 'done' || m.event.type === 'error'))).then(() => emitted);
  return { engine, emitted, responses, turnEnded };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** What a message says, in short: "response 1 ok", "turn t loading", "model loaded", "busy true". */
function summary(message: EngineToHost): string {
  switch (message.kind) {
    case 'response':
      return `response ${message.id} ${message.ok ? 'ok' : message.error?.code}`;
    case 'turn':
      return `turn ${message.event.turnId} ${message.event.type}`;
    case 'model':
      return `${message.load.part} ${message.load.load.state}`;
    case 'busy':
      return `busy ${message.busy}`;
    default:
      return message.kind;
  }
}

/** A bundle that takes OPEN_MS to fail to open, as a real one can after minutes: the turn's path is the same. */
const OPEN_MS = 300;
const slowFailingOpen = (opens: string[]) => async (bundleDir: string): Promise<OmniRuntime> => {
  opens.push(bundleDir);
  await sleep(OPEN_MS);
  throw new OmniError('BUNDLE_CORRUPT', 'thinker.onnx is damaged');
};

const turn = (turnId: string, bundleDir: string) => ({ conversationId: 'c', turnId, text: 'hello', attachments: [], micAudio: false, speak: false, bundleDir });

function fakeStream() {
  const sent: StreamDown[] = [];
  let deliver: (message: unknown) => void = () => {};
  let closeListener = () => {};
  const endpoint: StreamEndpoint = {
    post: (message) => sent.push(message as StreamDown),
    onMessage: (listener) => (deliver = listener),
    onClose: (listener) => (closeListener = listener),
    close: () => closeListener(),
  };
  return { endpoint, sent, send: (message: unknown) => deliver(message) };
}

const s16 = (...samples: number[]) => Int16Array.from(samples).buffer;

describe('Engine requests', () => {
  it('answers an unknown method with UNKNOWN_CHANNEL', async () => {
    const { engine, responses } = engineHarness();
    await engine.request(7, 'model.delete', {});
    expect(responses()).toEqual([
      { kind: 'response', id: 7, ok: false, error: { code: 'UNKNOWN_CHANNEL', message: 'Unknown engine method "model.delete"' } },
    ]);
  });

  it('answers invalid params with the field at fault', async () => {
    const { engine, responses } = engineHarness();
    await engine.request(1, 'chat.interrupt', { turnId: 5 });
    expect(responses()[0]).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    expect(responses()[0].error?.message).toMatch(/^chat\.interrupt: turnId: /);
  });

  it('accepts a turn on a folder that holds no bundle, then ends it with an error naming the folder', async () => {
    const { engine, responses, turnEnded } = engineHarness();
    const missing = path.join(os.tmpdir(), 'omnidesk-no-such-bundle');
    await engine.request(1, 'chat.send', turn('t', missing));
    expect(responses()).toEqual([{ kind: 'response', id: 1, ok: true, result: { turnId: 't' } }]);
    const emitted = await turnEnded('t');
    expect(emitted.at(-1)).toMatchObject({ kind: 'turn', event: { type: 'error', turnId: 't', error: { message: expect.stringContaining(missing) } } });
  });

  it('answers chat.send before the model has opened; the turn says it is loading, and its failure is its error event', async () => {
    const opens: string[] = [];
    const { engine, emitted, turnEnded } = engineHarness(slowFailingOpen(opens));
    const asked = performance.now();
    await engine.request(1, 'chat.send', turn('t1', '/models/tiny'));
    expect(performance.now() - asked).toBeLessThan(OPEN_MS);
    await turnEnded('t1');
    expect(emitted.map(summary)).toEqual(['busy true', 'response 1 ok', 'model loading', 'turn t1 loading', 'model failed', 'busy false', 'turn t1 error']);
    expect(emitted.at(-1)).toEqual({
      kind: 'turn',
      event: { type: 'error', turnId: 't1', error: { code: 'BUNDLE_CORRUPT', message: 'The model in /models/tiny could not be opened: thinker.onnx is damaged' } },
    });
    expect(opens).toEqual(['/models/tiny']);
  });

  it('runs one turn at a time while the model opens, and an interrupt then ends the turn once the open returns', async () => {
    const { engine, emitted, responses, turnEnded } = engineHarness(slowFailingOpen([]));
    await engine.request(1, 'chat.send', turn('t1', '/models/tiny'));
    await engine.request(2, 'chat.send', turn('t2', '/models/tiny'));
    await engine.request(3, 'chat.interrupt', { turnId: 't1' });
    expect(responses()).toEqual([
      { kind: 'response', id: 1, ok: true, result: { turnId: 't1' } },
      { kind: 'response', id: 2, ok: false, error: { code: 'INVALID_REQUEST', message: 'Turn t2 refused: turn t1 is still running.', hint: 'Stop the current reply first.' } },
      { kind: 'response', id: 3, ok: true, result: { interrupted: true } },
    ]);
    await turnEnded('t1');
    // The open failed under the interrupted turn: the failure, not a silent stop, is what the user is told.
    expect(emitted.filter((m) => m.kind === 'turn').map(summary)).toEqual(['turn t1 loading', 'turn t1 error']);
  });

  it('accepts the next turn right after a Stop, while the stopped one still waits for its model, and runs it after', async () => {
    const { engine, emitted, responses, turnEnded } = engineHarness(slowFailingOpen([]));
    await engine.request(1, 'chat.send', turn('t1', '/models/tiny'));
    await engine.request(2, 'chat.interrupt', { turnId: 't1' });
    await engine.request(3, 'chat.send', turn('t2', '/models/tiny'));
    expect(responses().map((r) => r.ok)).toEqual([true, true, true]);
    await turnEnded('t2');
    expect(emitted.filter((m) => m.kind !== 'response' && m.kind !== 'model').map(summary)).toEqual([
      'busy true',
      'turn t1 loading',
      'turn t1 error',
      'turn t2 loading',
      'busy false',
      'turn t2 error',
    ]);
  });

  it('answers model.preload at once and reports the open; a turn asked for meanwhile waits for that same open', async () => {
    const opens: string[] = [];
    const { engine, emitted, turnEnded } = engineHarness(slowFailingOpen(opens));
    await engine.request(1, 'model.preload', { bundleDir: '/models/tiny', speech: true });
    expect(emitted.map(summary)).toEqual(['model loading', 'response 1 ok']);
    await engine.request(2, 'chat.send', turn('t1', '/models/tiny'));
    await turnEnded('t1');
    expect(opens).toEqual(['/models/tiny']);
    expect(emitted.map(summary)).toEqual(['model loading', 'response 1 ok', 'busy true', 'response 2 ok', 'turn t1 loading', 'model failed', 'busy false', 'turn t1 error']);
    expect(emitted[5]).toEqual({
      kind: 'model',
      load: { bundleDir: '/models/tiny', part: 'model', load: { state: 'failed', ms: expect.any(Number), error: { code: 'BUNDLE_CORRUPT', message: 'The model in /models/tiny could not be opened: thinker.onnx is damaged' } } },
    });
  });

  it('answers 10,000 random requests with a response each and never throws', async () => {
    const { engine, responses } = engineHarness();
    const methods = ['ping', 'chat.send', 'chat.interrupt', 'model.preload', 'system.shutdown', 'constructor', ''];
    let id = 0;
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...methods), fc.anything({ withTypedArray: true }), async (method, params) => {
        await engine.request(++id, method, params);
      }),
      { numRuns: 10_000 },
    );
    expect(responses()).toHaveLength(10_000);
  });
});

describe('Engine stream port', () => {
  it('collects microphone chunks of a turn and acknowledges the total at mic.end', () => {
    const { engine } = engineHarness();
    const stream = fakeStream();
    engine.attachStream(stream.endpoint);
    stream.send({ type: 'mic.chunk', turnId: 't1', seq: 0, sampleRate: 16000, format: 's16', pcm: s16(1, 2, 3) });
    stream.send({ type: 'mic.chunk', turnId: 't1', seq: 1, sampleRate: 16000, format: 's16', pcm: s16(4) });
    stream.send({ type: 'mic.end', turnId: 't1', seq: 2 });
    expect(stream.sent).toEqual([{ type: 'mic.received', turnId: 't1', samples: 4 }]);
  });

  it('answers a malformed message with stream.error and keeps serving', () => {
    const { engine } = engineHarness();
    const stream = fakeStream();
    engine.attachStream(stream.endpoint);
    stream.send({ type: 'mic.chunk', turnId: 't1', seq: 0, sampleRate: 44100, format: 's16', pcm: s16(1) });
    stream.send({ type: 'mic.end', turnId: 't2', seq: 0 });
    expect(stream.sent[0]).toMatchObject({ type: 'stream.error', error: { code: 'INVALID_REQUEST' } });
    expect(stream.sent[0].type === 'stream.error' && stream.sent[0].error.message).toMatch(/sampleRate/);
    expect(stream.sent[1]).toEqual({ type: 'mic.received', turnId: 't2', samples: 0 });
  });

  it('survives 10,000 random stream messages', () => {
    const { engine } = engineHarness();
    const stream = fakeStream();
    engine.attachStream(stream.endpoint);
    const micLike = fc.record({
      type: fc.constantFrom('mic.chunk', 'mic.end', 'mic.cancel', 'speech.chunk'),
      turnId: fc.oneof(fc.constant('t1'), fc.string()),
      seq: fc.oneof(fc.nat(3), fc.integer(), fc.double()),
      sampleRate: fc.constantFrom(16000, 48000, 0, -1),
      format: fc.constantFrom('f32', 's16', 'u8'),
      pcm: fc.oneof(fc.constant(new ArrayBuffer(6)), fc.constant(new Float32Array([NaN]).buffer), fc.anything()),
    });
    fc.assert(
      fc.property(fc.oneof(micLike, fc.anything({ withTypedArray: true })), (message) => {
        stream.send(message);
      }),
      { numRuns: 10_000 },
    );
    expect(stream.sent.length).toBeGreaterThan(0);
    expect(stream.sent.every((m) => m.type === 'stream.error' || m.type === 'mic.received')).toBe(true);
  });
});
