import { describe, expect, it } from 'vitest';
import { createEngineStore, isEngineUp, modelLines, modelOpening, retrySecondsLeft } from './engine';
import { fakeApi, settle } from '../testing/fakeApi';

describe('engine status', () => {
  it('starts from engine.status() and follows every state event after', async () => {
    const { api, emitState } = fakeApi();
    const store = createEngineStore(api);
    await settle();
    expect(store.getState().status).toEqual({ state: 'ready', restarts: 0 });
    emitState({ state: 'busy', restarts: 0 });
    expect(store.getState().status?.state).toBe('busy');
  });

  it('keeps an event that arrived before the slower initial answer, which is older', async () => {
    const { api, mocks, emitState } = fakeApi();
    let answer: (value: { state: 'starting'; restarts: number }) => void = () => {};
    mocks.engine.status.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    const store = createEngineStore(api);
    emitState({ state: 'ready', restarts: 0 });
    answer({ state: 'starting', restarts: 0 });
    await settle();
    expect(store.getState().status?.state).toBe('ready');
  });

  it('records that the shell did not answer at all', async () => {
    const { api, mocks } = fakeApi();
    mocks.engine.status.mockRejectedValueOnce({ code: 'ENGINE_UNAVAILABLE', message: 'Lost the connection.' });
    const store = createEngineStore(api);
    await settle();
    expect(store.getState().error).toEqual({ code: 'ENGINE_UNAVAILABLE', message: 'Lost the connection.' });
  });

  it('counts down a crashed engine’s restart in whole seconds from when the state arrived', () => {
    const view = { since: 10_000, status: { state: 'crashed' as const, restarts: 0, retryInMs: 2_000 } };
    expect([10_000, 10_001, 11_000, 11_500, 12_000, 15_000].map((now) => retrySecondsLeft(view, now))).toEqual([2, 2, 1, 1, 0, 0]);
    expect(retrySecondsLeft({ since: 0, status: { state: 'ready', restarts: 0 } }, 0)).toBeUndefined();
  });

  it('shows the full delay for a clock reading from before the crash, not a longer one', () => {
    const view = { since: 10_000, status: { state: 'crashed' as const, restarts: 0, retryInMs: 500 } };
    expect(retrySecondsLeft(view, 6_000)).toBe(1);
  });

  it('counts a busy engine as up, and a starting or crashed one as down', () => {
    const up = (state: 'ready' | 'busy' | 'starting' | 'crashed' | 'stopped') => isEngineUp({ since: 0, status: { state, restarts: 0 } });
    expect([up('ready'), up('busy'), up('starting'), up('crashed'), up('stopped')]).toEqual([true, true, false, false, false]);
  });

  it('says what the engine is opening of the model, and how long each part took or why it failed', () => {
    const opening = { bundleDir: '/m/int4', model: { state: 'loading' as const, since: 10_000 } };
    expect(modelOpening(opening)).toEqual({ part: 'model', since: 10_000 });
    expect(modelLines(opening, 52_900)).toEqual([{ part: 'model', text: 'Model: loading…', elapsed: '42 s' }]);
    const voice = { bundleDir: '/m/int4', model: { state: 'loaded' as const, ms: 185_000 }, speech: { state: 'loading' as const, since: 200_000 } };
    expect(modelOpening(voice)).toEqual({ part: 'speech', since: 200_000 });
    expect(modelLines(voice, 203_000)).toEqual([
      { part: 'model', text: 'Model loaded in 3 min 5 s' },
      { part: 'speech', text: 'Voice: loading…', elapsed: '3 s' },
    ]);
    const failed = { bundleDir: '/m/int4', model: { state: 'failed' as const, ms: 900, error: { code: 'BUNDLE_CORRUPT' as const, message: 'The model in /m/int4 could not be opened: thinker.onnx is damaged' } } };
    expect(modelOpening(failed)).toBeUndefined();
    expect(modelLines(failed, 0)).toEqual([{ part: 'model', text: 'Model failed to load: The model in /m/int4 could not be opened: thinker.onnx is damaged' }]);
    expect(modelLines(undefined, 0)).toEqual([]);
  });
});
