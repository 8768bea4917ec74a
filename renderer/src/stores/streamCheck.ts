/**
 * The Settings check of the engine stream. One port serves every check, as the app will keep one for audio; it
 * is dropped when the engine goes down (its streams die with it) or a check fails, and reopened on the next run.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ErrorInfo } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { connectEngineStream, type ConnectOptions } from '../bridge/stream';
import { probeEngineStream, type ProbeResult } from '../bridge/probe';
import { asErrorInfo } from '../errors';
import { isEngineUp, type EngineView } from './engine';

export type StreamCheck =
  | { phase: 'idle' }
  | { phase: 'running' }
  | { phase: 'passed'; result: ProbeResult }
  | { phase: 'failed'; error: ErrorInfo };

export interface StreamCheckState {
  check: StreamCheck;
  run(): Promise<void>;
}

export function createStreamCheckStore(
  api: Pick<OmnideskApi, 'engine'>,
  engine: StoreApi<EngineView>,
  connect: ConnectOptions = {},
) {
  let port: MessagePort | undefined;
  const drop = () => {
    port?.close();
    port = undefined;
  };
  engine.subscribe((view) => {
    if (!isEngineUp(view)) drop();
  });
  return createStore<StreamCheckState>()((set, get) => ({
    check: { phase: 'idle' },
    run: async () => {
      if (get().check.phase === 'running') return;
      set({ check: { phase: 'running' } });
      try {
        port ??= await connectEngineStream(api, connect);
        set({ check: { phase: 'passed', result: await probeEngineStream(port) } });
      } catch (error) {
        drop();
        set({ check: { phase: 'failed', error: asErrorInfo(error) } });
      }
    },
  }));
}
