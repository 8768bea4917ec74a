import { afterEach, describe, expect, it, vi } from 'vitest';
import { STREAM_PORT_MESSAGE } from '../../../main/ipc/contract';
import { connectEngineStream } from './stream';
import { fakeApi } from '../testing/fakeApi';
import { fakeWindow } from '../testing/fakeWindow';

const opened: MessageChannel[] = [];
const channel = () => {
  const created = new MessageChannel();
  opened.push(created);
  return created;
};
afterEach(() => opened.splice(0).forEach(({ port1, port2 }) => (port1.close(), port2.close())));

describe('connectEngineStream', () => {
  it('asks for a stream with a fresh nonce and takes the port the shell posts back with it', async () => {
    const { api, mocks } = fakeApi();
    const { target, deliver } = fakeWindow();
    const { port2 } = channel();
    mocks.engine.openStream.mockImplementationOnce(async ({ nonce }) => {
      deliver({ type: STREAM_PORT_MESSAGE, nonce }, [port2]);
      return { nonce };
    });
    await expect(connectEngineStream(api, { target })).resolves.toBe(port2);
    expect(mocks.engine.openStream.mock.calls[0][0].nonce).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
  });

  it('also takes a port that arrives after the openStream answer', async () => {
    const { api, mocks } = fakeApi();
    const { target, deliver } = fakeWindow();
    const { port2 } = channel();
    const connecting = connectEngineStream(api, { target });
    await Promise.resolve();
    deliver({ type: STREAM_PORT_MESSAGE, nonce: mocks.engine.openStream.mock.calls[0][0].nonce }, [port2]);
    await expect(connecting).resolves.toBe(port2);
  });

  it('ignores ports with another nonce, from another window or origin, or of another message type', async () => {
    vi.useFakeTimers();
    try {
      const { api, mocks } = fakeApi();
      const { target, deliver } = fakeWindow();
      const connecting = connectEngineStream(api, { target, timeoutMs: 1000 });
      const nonce = mocks.engine.openStream.mock.calls[0][0].nonce;
      deliver({ type: STREAM_PORT_MESSAGE, nonce: 'guessed' }, [channel().port2]);
      deliver({ type: STREAM_PORT_MESSAGE, nonce }, [channel().port2], { source: {} });
      deliver({ type: STREAM_PORT_MESSAGE, nonce }, [channel().port2], { origin: 'https://evil.example' });
      deliver({ type: 'other', nonce }, [channel().port2]);
      deliver({ type: STREAM_PORT_MESSAGE, nonce }, [channel().port2, channel().port2]);
      const outcome = expect(connecting).rejects.toMatchObject({ code: 'ENGINE_TIMEOUT' });
      await vi.advanceTimersByTimeAsync(1000);
      await outcome;
    } finally {
      vi.useRealTimers();
    }
  });

  it('passes on the shell’s refusal, e.g. an engine that is not running', async () => {
    const { api, mocks } = fakeApi();
    const refusal = { code: 'ENGINE_UNAVAILABLE', message: 'The engine is not running.' };
    mocks.engine.openStream.mockRejectedValueOnce(refusal);
    await expect(connectEngineStream(api, { target: fakeWindow().target })).rejects.toEqual(refusal);
  });

  it('gives up with a clear timeout when no port ever arrives', async () => {
    const { api } = fakeApi();
    await expect(connectEngineStream(api, { target: fakeWindow().target, timeoutMs: 20 })).rejects.toEqual({
      code: 'ENGINE_TIMEOUT',
      message: 'The engine stream did not arrive within 20 ms.',
      hint: expect.stringContaining('engine is running'),
    });
  });
});
