/**
 * Remote servers as the renderer knows them (never a key: only whether one is stored), and who answers each
 * conversation. Main owns both; this store reads them back, reloads the servers when settings change (they live
 * there), and shows a conversation's new backend at once, before main's list has caught up.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ConversationSummary, ErrorInfo, RemoteCheck, RemoteServerSave, RemoteServerView } from '../../../main/ipc/contract';
import { LOCAL_BACKEND } from '../../../main/ipc/schemas/values';
import type { OmnideskApi } from '../../../preload/api';
import { asErrorInfo } from '../errors';
import type { Loadable } from './loadable';

export interface RemoteState {
  servers: Loadable<RemoteServerView[]>;
  /** Backends chosen in this window that main's conversation list does not show yet. */
  chosen: Record<string, string>;
  /** The last switch main refused. */
  error?: ErrorInfo;
  reload(): Promise<void>;
  /** Rejects with main's `ErrorInfo` (a field it refused, a key it could not store), for the form to show. */
  save(request: RemoteServerSave): Promise<RemoteServerView>;
  remove(id: string): Promise<void>;
  /** The models the server lists; rejects with why there are none. */
  check(request: RemoteCheck): Promise<string[]>;
  choose(conversationId: string, backend: string): Promise<void>;
}

/** Who answers a conversation, and the server when it is a remote one (undefined also when it was removed). */
export interface ConversationBackend {
  backend: string;
  remote: boolean;
  server?: RemoteServerView;
}

export function createRemoteStore(api: Pick<OmnideskApi, 'remote' | 'conversations' | 'settings'>) {
  let generation = 0;
  const store = createStore<RemoteState>()((set, get) => ({
    servers: { phase: 'loading' },
    chosen: {},
    reload: async () => {
      const mine = ++generation;
      set((s) => ({ servers: { phase: 'loading', value: s.servers.value } }));
      try {
        const { servers } = await api.remote.list();
        if (mine === generation) set({ servers: { phase: 'ready', value: servers } });
      } catch (error) {
        if (mine === generation) set((s) => ({ servers: { phase: 'failed', error: asErrorInfo(error), value: s.servers.value } }));
      }
    },
    save: async (request) => {
      try {
        const saved = await api.remote.save(request);
        await get().reload();
        return saved;
      } catch (error) {
        throw asErrorInfo(error);
      }
    },
    remove: async (id) => {
      await api.remote.remove({ id });
      await get().reload();
    },
    check: async (request) => {
      try {
        return (await api.remote.check(request)).models;
      } catch (error) {
        throw asErrorInfo(error);
      }
    },
    choose: async (conversationId, backend) => {
      const previous = get().chosen;
      set({ chosen: { ...previous, [conversationId]: backend }, error: undefined });
      try {
        await api.conversations.setBackend({ id: conversationId, backend });
      } catch (error) {
        set({ chosen: previous, error: asErrorInfo(error) });
      }
    },
  }));
  api.settings.onChanged(() => void store.getState().reload());
  void store.getState().reload();
  return store;
}

/** Drops this window's choices that main's list now shows: from then on the list is the truth. */
export function settleChoices(store: StoreApi<RemoteState>, list: ConversationSummary[]): void {
  const chosen = Object.fromEntries(Object.entries(store.getState().chosen).filter(([id, backend]) => list.find((c) => c.id === id)?.backend !== backend));
  if (Object.keys(chosen).length !== Object.keys(store.getState().chosen).length) store.setState({ chosen });
}

/** This window's choice, else what main stored, else the default for new conversations. */
export function conversationBackend(
  state: Pick<RemoteState, 'servers' | 'chosen'>,
  conversationId: string,
  saved: ConversationSummary | undefined,
  defaultBackend: string,
): ConversationBackend {
  const backend = state.chosen[conversationId] ?? saved?.backend ?? defaultBackend;
  if (backend === LOCAL_BACKEND) return { backend, remote: false };
  return { backend, remote: true, server: state.servers.value?.find((server) => server.id === backend) };
}
