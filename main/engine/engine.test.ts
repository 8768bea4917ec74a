import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import os from 'node:os';
import path from 'node:path';
import { Engine } from './engine';
import type { StreamEndpoint } from './parent';
import type { EngineToHost, StreamDown } from './protocol';
import { testTempDir } from '../../test/tempDir';

function engineHarness() {
  const emitted: EngineToHost[] = [];
  const dir = testTempDir('engine');
  const engine = new Engine({ stateDir: dir, scratchDir: dir, emit: (message) => emitted.push(message) });
  const responses = () => emitted.filter((m): m is Extract<EngineToHost, { kind: 'response' }> => m.kind === 'response');
  return { engine, emitted, responses };
}

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

  it('refuses a turn whose bundle folder holds no bundle, naming the folder', async () => {
    const { engine, responses } = engineHarness();
    const missing = path.join(os.tmpdir(), 'omnidesk-no-such-bundle');
    await engine.request(1, 'chat.send', {
      conversationId: 'c', turnId: 't', text: 'hello', attachments: [], micAudio: false, speak: false, bundleDir: missing,
    });
    expect(responses()[0]).toMatchObject({ ok: false, error: { message: expect.stringContaining(missing) } });
  });

  it('answers 10,000 random requests with a response each and never throws', async () => {
    const { engine, responses } = engineHarness();
    const methods = ['ping', 'chat.send', 'chat.interrupt', 'system.shutdown', 'constructor', ''];
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
