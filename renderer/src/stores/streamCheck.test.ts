import { afterEach, describe, expect, it } from 'vitest';
import { STREAM_PORT_MESSAGE, type StreamUp } from '../../../main/ipc/contract';
import { createEngineStore } from './engine';
import { createStreamCheckStore } from './streamCheck';
import { fakeApi, settle } from '../testing/fakeApi';
import { fakeWindow } from '../testing/fakeWindow';

const open: MessagePort[] = [];
afterEach(() => open.splice(0).forEach((port) => port.close()));

/** A shell whose every openStream hands the page a new port to an engine that counts samples. */
function setup() {
  const fake = fakeApi();
  const { target, deliver } = fakeWindow();
  fake.mocks.engine.openStream.mockImplementation(async ({ nonce }) => {
    const { port1: engine, port2: page } = new MessageChannel();
    open.push(engine, page);
    engine.addEventListener('message', (event) => {
      const message = (event as MessageEvent<StreamUp>).data;
      if (message.type === 'mic.end') engine.postMessage({ type: 'mic.received', turnId: message.turnId, samples: 1600 });
    });
    engine.start();
    deliver({ type: STREAM_PORT_MESSAGE, nonce }, [page]);
    return { nonce };
  });
  const engine = createEngineStore(fake.api);
  const store = createStreamCheckStore(fake.api, engine, { target });
  return { ...fake, store };
}

describe('the engine stream check', () => {
  it('passes with the engine’s sample count, reusing one stream for every run', async () => {
    const { store, mocks } = setup();
    await store.getState().run();
    await store.getState().run();
    expect(store.getState().check).toMatchObject({ phase: 'passed', result: { samples: 1600 } });
    expect(mocks.engine.openStream).toHaveBeenCalledTimes(1);
  });

  it('opens a new stream after the engine went down, since its streams died with it', async () => {
    const { store, mocks, emitState } = setup();
    await settle();
    await store.getState().run();
    emitState({ state: 'crashed', restarts: 0, retryInMs: 500 });
    emitState({ state: 'ready', restarts: 1 });
    await store.getState().run();
    expect(mocks.engine.openStream).toHaveBeenCalledTimes(2);
  });

  it('fails with the shell’s explanation and tries a fresh stream next time', async () => {
    const { store, mocks } = setup();
    mocks.engine.openStream.mockRejectedValueOnce({ code: 'ENGINE_UNAVAILABLE', message: 'The engine is not running.' });
    await store.getState().run();
    expect(store.getState().check).toEqual({ phase: 'failed', error: { code: 'ENGINE_UNAVAILABLE', message: 'The engine is not running.' } });
    await store.getState().run();
    expect(store.getState().check.phase).toBe('passed');
  });
});
