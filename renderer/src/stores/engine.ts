/**
 * The engine's lifecycle as the status indicator shows it. `engine.status()` gives the state at startup and
 * `onState` every change after; an event that lands before the initial answer is newer, so it wins.
 */
import { createStore } from 'zustand/vanilla';
import type { EngineState, ErrorInfo } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { asErrorInfo } from '../errors';

export interface EngineView {
  status?: EngineState;
  /** When `status` arrived (ms since the epoch): a crash's restart delay counts down from here. */
  since: number;
  /** Asking for the status failed: the shell itself is not answering. */
  error?: ErrorInfo;
}

export function createEngineStore(api: Pick<OmnideskApi, 'engine'>, now: () => number = Date.now) {
  const store = createStore<EngineView>()(() => ({ since: now() }));
  let heardEvent = false;
  api.engine.onState((status) => {
    heardEvent = true;
    store.setState({ status, since: now(), error: undefined });
  });
  api.engine.status().then(
    (status) => {
      if (!heardEvent) store.setState({ status, since: now() });
    },
    (error: unknown) => {
      if (!heardEvent) store.setState({ error: asErrorInfo(error) });
    },
  );
  return store;
}

/**
 * Whole seconds until a crashed engine restarts; undefined unless it is crashed and waiting. A clock reading from
 * before the crash (a render that has not ticked yet) counts as no time elapsed.
 */
export function retrySecondsLeft(view: EngineView, now: number): number | undefined {
  const { status } = view;
  if (status?.state !== 'crashed' || status.retryInMs === undefined) return undefined;
  const elapsed = Math.max(0, now - view.since);
  return Math.max(0, Math.ceil((status.retryInMs - elapsed) / 1000));
}

export const isEngineUp = (view: EngineView) => view.status?.state === 'ready' || view.status?.state === 'busy';
