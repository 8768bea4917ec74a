/**
 * The engine's lifecycle as the status indicator shows it. `engine.status()` gives the state at startup and
 * `onState` every change after; an event that lands before the initial answer is newer, so it wins.
 */
import { createStore } from 'zustand/vanilla';
import type { EngineState, ErrorInfo, LoadState, ModelStatus } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { asErrorInfo } from '../errors';
import { formatDuration } from '../format';
import type { ModelLoading } from './conversation';

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

/** What the engine is opening now, if anything: the model, or its voice once the model is open. */
export function modelOpening(model: ModelStatus | undefined): ModelLoading | undefined {
  if (model?.model.state === 'loading') return { part: 'model', since: model.model.since };
  if (model?.speech?.state === 'loading') return { part: 'speech', since: model.speech.since };
  return undefined;
}

/** A part of the local model as the status shows it: what happened, and for an open in progress, the time it has taken so far. */
export interface ModelLine {
  part: ModelLoading['part'];
  text: string;
  elapsed?: string;
}

/** One line per part of the local model the engine opened or is opening: "Model loaded in 3 min 5 s". */
export function modelLines(model: ModelStatus | undefined, now: number): ModelLine[] {
  if (!model) return [];
  const line = (part: ModelLoading['part'], load: LoadState): ModelLine => {
    const name = part === 'model' ? 'Model' : 'Voice';
    switch (load.state) {
      case 'loading':
        return { part, text: `${name}: loading…`, elapsed: formatDuration(now - load.since, { whole: true }) };
      case 'loaded':
        return { part, text: `${name} loaded in ${formatDuration(load.ms)}` };
      case 'failed':
        return { part, text: `${name} failed to load: ${load.error.message}` };
    }
  };
  return [line('model', model.model), ...(model.speech ? [line('speech', model.speech)] : [])];
}
