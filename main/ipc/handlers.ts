/**
 * What each contract channel does, shared by both shells (Electron main and the preview server). The shell
 * supplies the parts that differ: how a stream port reaches the page, where exports go, and the app/Electron
 * versions.
 */
import type { EngineSupervisor } from '../engine/host/supervisor';
import { OmniError, toErrorInfo } from '../engine/errors';
import type { Handlers } from './dispatch';
import type { HotkeyStatus, SystemInfo } from './contract';
import { listInstalledModels } from '../models/installed';
import { backendOf, engineTurn } from './engineTurn';
import { remoteHandlers } from './remoteHandlers';
import { installedSpeakers } from '../models/speakers';
import { BROWSER_PICKER, type ScreenCapture } from './screenCapture';
import { exportConversation } from '../store/export';
import { turnWithSettings } from '../store/settings';
import { float32FromBytes } from '../store/wav';
import type { Services } from './services';

export interface HandlerDeps {
  engine: EngineSupervisor;
  services: Services;
  shell: SystemInfo['shell'];
  app: SystemInfo['app'];
  electron?: string;
  /** Connects a new engine stream to the calling page, announced there with `nonce`. */
  openStream: (nonce: string) => void;
  /** The folder an export goes into (a folder picker in the app); undefined when the user cancelled. */
  exportFolder: () => Promise<string | undefined>;
  /** The calling window's screen and window sources; by default none, and the browser's own picker asks. */
  screen?: ScreenCapture;
  /** How the global push-to-talk hotkey listens; a shell without one says so. */
  hotkeyStatus?: () => HotkeyStatus;
}

const NO_GLOBAL_HOTKEY: HotkeyStatus = { mode: 'unavailable', detail: 'Only the desktop app can hear a hotkey while it is in the background.' };

export function createHandlers(deps: HandlerDeps): Handlers {
  const { conversations, recorder, settings, models, modelsDir, remote } = deps.services;
  const screen = deps.screen ?? BROWSER_PICKER;
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
    'chat.send': async (request) => {
      const turn = turnWithSettings(request, settings.settings);
      const backend = backendOf(conversations, turn.conversationId, settings.settings);
      await recorder.begin(turn, backend);
      try {
        return await deps.engine.request('chat.send', await engineTurn(turn, backend, { settings: settings.settings, modelsDir, remote }));
      } catch (error) {
        recorder.refused(turn.turnId, toErrorInfo(error));
        throw error;
      }
    },
    'chat.interrupt': (request) => {
      recorder.heard(request.turnId, request.heardSamples);
      return deps.engine.request('chat.interrupt', request);
    },

    'conversations.list': async () => ({ conversations: conversations.list() }),
    'conversations.get': async ({ id }) => conversations.get(id),
    'conversations.search': async ({ query }) => ({ hits: conversations.search(query) }),
    'conversations.rename': async ({ id, title }) => conversations.rename(id, title),
    'conversations.delete': async ({ id }) => ({ deleted: await conversations.delete(id) }),
    'conversations.export': async ({ id, formats }) => {
      const conversation = conversations.get(id);
      const folder = await deps.exportFolder();
      if (!folder) throw new OmniError('CANCELLED', 'Export cancelled: no folder was chosen.');
      return exportConversation(conversation, formats, conversations.media, folder, Date.now());
    },
    'conversations.media': ({ file }) => conversations.media.read(file),
    'conversations.saveAudio': ({ turnId, role, sampleRate, pcm }) => conversations.saveAudio(turnId, role, float32FromBytes(pcm), sampleRate),

    'settings.get': async () => ({
      settings: settings.settings,
      speakers: await installedSpeakers(modelsDir),
      ...(settings.pendingNotice ? { notice: settings.pendingNotice } : {}),
    }),
    'settings.set': (patch) => settings.update(patch),

    'screen.sources': async () => ({ sources: await screen.sources() }),
    'screen.choose': ({ sourceId }) => screen.choose(sourceId),
    'pushToTalk.status': async () => deps.hotkeyStatus?.() ?? NO_GLOBAL_HOTKEY,

    ...remoteHandlers(deps.services),

    'models.list': async () => ({ models: await listInstalledModels(modelsDir) }),
    'models.catalog': () => models.catalog(),
    'models.disk': () => models.disk(),
    'models.jobs': async () => ({ jobs: models.listJobs() }),
    'models.pull': async ({ id, variant, keepCheckpoint }) => models.pull(id, variant, keepCheckpoint),
    'models.pause': ({ id }) => models.pause(id),
    'models.resume': async ({ id }) => models.resume(id),
    'models.cancel': ({ id }) => models.cancel(id),
    'models.remove': ({ id }) => models.remove(id),
  };
}
