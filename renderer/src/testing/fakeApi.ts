/**
 * A scripted `window.omnidesk` for store tests: every action is a vi.fn the test can program, and `emit…` plays
 * the shell's events (engine state, turn events, data changes) as main would push them.
 */
import { vi } from 'vitest';
import {
  DEFAULT_SETTINGS,
  type ConversationChange,
  type EngineState,
  type ModelJob,
  type RemoteServerView,
  type Settings,
  type TurnEvent,
} from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';

function emitter<T>() {
  const listeners = new Set<(value: T) => void>();
  return {
    subscribe: vi.fn((listener: (value: T) => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    }),
    emit: (value: T) => listeners.forEach((listener) => listener(value)),
  };
}

export function fakeApi() {
  const state = emitter<EngineState>();
  const turn = emitter<TurnEvent>();
  const changed = emitter<ConversationChange>();
  const settingsChanged = emitter<Settings>();
  const progress = emitter<ModelJob>();
  const api = {
    system: { info: vi.fn() },
    engine: {
      status: vi.fn(async (): Promise<EngineState> => ({ state: 'ready', restarts: 0 })),
      openStream: vi.fn(async ({ nonce }: { nonce: string }) => ({ nonce })),
      onState: state.subscribe,
    },
    models: {
      list: vi.fn(async () => ({ models: [] })),
      catalog: vi.fn(),
      disk: vi.fn(),
      jobs: vi.fn(async () => ({ jobs: [] as ModelJob[] })),
      pull: vi.fn(),
      pause: vi.fn(),
      resume: vi.fn(),
      cancel: vi.fn(),
      remove: vi.fn(),
      onProgress: progress.subscribe,
    },
    chat: {
      send: vi.fn(async ({ turnId }: { turnId: string }) => ({ turnId })),
      interrupt: vi.fn(async () => ({ interrupted: true })),
      onTurnEvent: turn.subscribe,
    },
    conversations: {
      list: vi.fn(async () => ({ conversations: [] })),
      get: vi.fn(),
      search: vi.fn(async () => ({ hits: [] })),
      rename: vi.fn(),
      delete: vi.fn(async () => ({ deleted: true })),
      export: vi.fn(),
      media: vi.fn(),
      saveAudio: vi.fn(),
      setBackend: vi.fn(async (request: { id: string; backend: string }) => request),
      onChanged: changed.subscribe,
    },
    remote: {
      list: vi.fn(async () => ({ servers: [] as RemoteServerView[] })),
      save: vi.fn(),
      remove: vi.fn(async () => ({ removed: true })),
      check: vi.fn(),
    },
    settings: {
      get: vi.fn(async () => ({ settings: DEFAULT_SETTINGS, speakers: [] as string[] })),
      set: vi.fn(async (patch: object) => ({ ...DEFAULT_SETTINGS, ...patch }) as Settings),
      onChanged: settingsChanged.subscribe,
    },
  };
  return {
    api: api as unknown as OmnideskApi,
    mocks: api,
    emitState: state.emit,
    emitTurn: turn.emit,
    emitConversationChange: changed.emit,
    emitSettings: settingsChanged.emit,
    emitJob: progress.emit,
  };
}

/** Lets pending promise callbacks run. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
