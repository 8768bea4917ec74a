/**
 * A scripted `window.omnidesk` for store tests: every action is a vi.fn the test can program, and `emit`
 * plays the shell's events (engine state, turn events) as main would push them.
 */
import { vi } from 'vitest';
import type { EngineState, TurnEvent } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';

export function fakeApi() {
  const stateListeners = new Set<(state: EngineState) => void>();
  const turnListeners = new Set<(event: TurnEvent) => void>();
  const api = {
    system: { info: vi.fn() },
    engine: {
      status: vi.fn(async (): Promise<EngineState> => ({ state: 'ready', restarts: 0 })),
      openStream: vi.fn(async ({ nonce }: { nonce: string }) => ({ nonce })),
      onState: vi.fn((listener: (state: EngineState) => void) => {
        stateListeners.add(listener);
        return () => stateListeners.delete(listener);
      }),
    },
    models: { list: vi.fn(async () => ({ models: [] })) },
    chat: {
      send: vi.fn(async ({ turnId }: { turnId: string }) => ({ turnId })),
      interrupt: vi.fn(async () => ({ interrupted: true })),
      onTurnEvent: vi.fn((listener: (event: TurnEvent) => void) => {
        turnListeners.add(listener);
        return () => turnListeners.delete(listener);
      }),
    },
  };
  return {
    api: api as unknown as OmnideskApi,
    mocks: api,
    emitState: (state: EngineState) => stateListeners.forEach((listener) => listener(state)),
    emitTurn: (event: TurnEvent) => turnListeners.forEach((listener) => listener(event)),
  };
}

/** Lets pending promise callbacks run. */
export const settle = () => new Promise((resolve) => setTimeout(resolve, 0));
