/**
 * What each contract channel does, shared by both shells (Electron main and the preview server). The shell
 * supplies the parts that differ: how a stream port reaches the page, and the app/Electron versions.
 */
import type { EngineSupervisor } from '../engine/host/supervisor';
import type { Handlers } from './dispatch';
import type { SystemInfo } from './contract';
import { listInstalledModels } from '../models/installed';

export interface HandlerDeps {
  engine: EngineSupervisor;
  shell: SystemInfo['shell'];
  app: SystemInfo['app'];
  electron?: string;
  modelsDir: string;
  /** Connects a new engine stream to the calling page, announced there with `nonce`. */
  openStream: (nonce: string) => void;
}

export function createHandlers(deps: HandlerDeps): Handlers {
  return {
    'system.info': async () => ({
      app: deps.app,
      shell: deps.shell,
      ...(deps.electron ? { electron: deps.electron } : {}),
      engine: await deps.engine.request('system.info', {}),
    }),
    'engine.status': async () => deps.engine.state,
    'engine.openStream': async ({ nonce }) => {
      deps.openStream(nonce);
      return { nonce };
    },
    'models.list': async () => ({ models: await listInstalledModels(deps.modelsDir) }),
    'chat.send': (request) => deps.engine.request('chat.send', request),
    'chat.interrupt': (request) => deps.engine.request('chat.interrupt', request),
  };
}
