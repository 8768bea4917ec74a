import { describe, expect, it } from 'vitest';
import { createLoadableStore } from './loadable';

function deferred<T>() {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

describe('loadable data', () => {
  it('is loading until the first answer, then ready', async () => {
    const store = createLoadableStore(async () => 42);
    expect(store.getState().data).toEqual({ phase: 'loading' });
    await store.getState().reload();
    expect(store.getState().data).toEqual({ phase: 'ready', value: 42 });
  });

  it('keeps the newest answer when an older reload finishes last', async () => {
    const answers = [deferred<string>(), deferred<string>()];
    let call = 0;
    const store = createLoadableStore(() => answers[call++].promise);
    const first = store.getState().reload();
    const second = store.getState().reload();
    answers[1].resolve('new');
    answers[0].resolve('old');
    await Promise.all([first, second]);
    expect(store.getState().data).toEqual({ phase: 'ready', value: 'new' });
  });

  it('reports a failure as error data and keeps showing the last good value', async () => {
    let fail = false;
    const store = createLoadableStore(async () => {
      if (fail) throw { code: 'ENGINE_TIMEOUT', message: 'No answer.' };
      return 'good';
    });
    await store.getState().reload();
    fail = true;
    await store.getState().reload();
    expect(store.getState().data).toEqual({ phase: 'failed', error: { code: 'ENGINE_TIMEOUT', message: 'No answer.' }, value: 'good' });
  });
});
