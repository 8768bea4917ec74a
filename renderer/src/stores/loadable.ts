/**
 * Data fetched through the API, with its loading and failure states explicit so every view can say which one
 * it is in. A reload supersedes an older one still in flight: the newest answer wins, whatever order they land.
 */
import { createStore } from 'zustand/vanilla';
import type { ErrorInfo } from '../../../main/ipc/contract';
import { asErrorInfo } from '../errors';

export type Loadable<T> =
  | { phase: 'loading'; value?: T }
  | { phase: 'ready'; value: T }
  | { phase: 'failed'; error: ErrorInfo; value?: T };

export interface LoadableState<T> {
  data: Loadable<T>;
  reload(): Promise<void>;
}

export function createLoadableStore<T>(load: () => Promise<T>) {
  let generation = 0;
  const store = createStore<LoadableState<T>>()((set, get) => ({
    data: { phase: 'loading' },
    reload: async () => {
      const mine = ++generation;
      // Keep showing the previous value while refreshing: no flash of an empty panel.
      set({ data: { phase: 'loading', value: get().data.value } });
      try {
        const value = await load();
        if (mine === generation) set({ data: { phase: 'ready', value } });
      } catch (error) {
        if (mine === generation) set({ data: { phase: 'failed', error: asErrorInfo(error), value: get().data.value } });
      }
    },
  }));
  return store;
}
