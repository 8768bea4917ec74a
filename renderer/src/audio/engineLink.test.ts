import { afterEach, describe, expect, it, vi } from 'vitest';
import { STREAM_PORT_MESSAGE, type StreamDown, type StreamUp } from '../../../main/ipc/contract';
import { createEngineStore } from '../stores/engine';
import { createEngineLink } from './engineLink';
import { fakeApi } from '../testing/fakeApi';
import { fakeWindow } from '../testing/fakeWindow';

const open: MessagePort[] = [];
afterEach(() => open.splice(0).forEach((port) => port.close()));

/** A shell whose every openStream hands the page a new port to an engine that counts microphone samples. */
function setup() {
  const fake = fakeApi();
  const { target, deliver } = fakeWindow();
  const engines: MessagePort[] = [];
  fake.mocks.engine.openStream.mockImplementation(async ({ nonce }) => {
    const { port1: engine, port2: page } = new MessageChannel();
    open.push(engine, page);
    engines.push(engine);
    let samples = 0;
    engine.addEventListener('message', (event) => {
      const message = (event as MessageEvent<StreamUp>).data;
      if (message.type === 'mic.chunk') samples += message.pcm.byteLength / 4;
      if (message.type === 'mic.end') engine.postMessage({ type: 'mic.received', turnId: message.turnId, samples });
    });
    engine.start();
    deliver({ type: STREAM_PORT_MESSAGE, nonce }, [page]);
    return { nonce };
  });
  const engineStore = createEngineStore(fake.api);
  const link = createEngineLink(fake.api, engineStore, { target });
  const speak = (message: StreamDown, index = engines.length - 1) => engines[index].postMessage(message);
  return { ...fake, link, speak };
}

const chunk = (seq: number, samples: number): StreamUp => ({
  type: 'mic.chunk',
  turnId: 'turn-1',
  seq,
  sampleRate: 16000,
  format: 'f32',
  pcm: new Float32Array(samples).buffer,
});

describe('the engine audio link', () => {
  it('opens one stream for every use and hears the engine count the samples of a turn', async () => {
    const { link, mocks } = setup();
    await Promise.all([link.open(), link.open()]);
    link.post(chunk(0, 1280));
    link.post(chunk(1, 640));
    link.post({ type: 'mic.end', turnId: 'turn-1', seq: 2 });
    await expect(link.received('turn-1')).resolves.toBe(1920);
    await link.open();
    expect(mocks.engine.openStream).toHaveBeenCalledTimes(1);
  });

  it('hands speech from the engine to every listener', async () => {
    const { link, speak } = setup();
    const heard: StreamDown[] = [];
    link.onMessage((message) => heard.push(message));
    await link.open();
    speak({ type: 'speech.end', turnId: 'turn-1', samples: 0 });
    await vi.waitFor(() => expect(heard).toEqual([{ type: 'speech.end', turnId: 'turn-1', samples: 0 }]));
  });

  it('fails a pending turn when the engine goes down, and opens a new stream next time', async () => {
    const { link, emitState, mocks } = setup();
    await link.open();
    const received = link.received('turn-1');
    emitState({ state: 'crashed', restarts: 1 });
    await expect(received).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await expect(link.received('turn-2')).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    emitState({ state: 'ready', restarts: 1 });
    await link.open();
    expect(mocks.engine.openStream).toHaveBeenCalledTimes(2);
  });

  it('passes on the engine’s stream error, and times out when the engine stays silent', async () => {
    const { link, speak } = setup();
    await link.open();
    const refused = link.received('turn-1');
    speak({ type: 'stream.error', error: { code: 'INVALID_REQUEST', message: 'stream: pcm: too big' } });
    await expect(refused).rejects.toEqual({ code: 'INVALID_REQUEST', message: 'stream: pcm: too big' });
    await expect(link.received('turn-2', 20)).rejects.toEqual({
      code: 'ENGINE_TIMEOUT',
      message: 'The engine did not confirm your voice message within 0.02 s.',
    });
  });

  it('keeps waiting for the count while the engine says a model is opening, and times out once it no longer is', async () => {
    const { link, emitState } = setup();
    await link.open();
    emitState({ state: 'busy', restarts: 0, model: { bundleDir: '/models/q', model: { state: 'loading', since: Date.now() } } });
    let settled = false;
    const waiting = link.received('turn-1', 20).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(settled).toBe(false);
    emitState({ state: 'ready', restarts: 0, model: { bundleDir: '/models/q', model: { state: 'loaded', ms: 90_000 } } });
    await expect(waiting).rejects.toMatchObject({ code: 'ENGINE_TIMEOUT' });
  });

  it('lets the next use try again after the shell refused a stream', async () => {
    const { link, mocks } = setup();
    mocks.engine.openStream.mockRejectedValueOnce({ code: 'ENGINE_UNAVAILABLE', message: 'down' });
    await expect(link.open()).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
    await link.open();
    expect(mocks.engine.openStream).toHaveBeenCalledTimes(2);
  });
});
