/**
 * The data side both shells serve (Electron main and the preview server): conversations and the turn recorder,
 * settings, and the model manager, all in one data folder. The recorder listens to the engine's turn events here,
 * once, whatever number of windows or pages are open.
 */
import type { EngineSupervisor } from '../engine/host/supervisor';
import { homePaths } from '../engine/home';
import type { BuildChild } from '../models/build/buildHost';
import { processBuildRunner } from '../models/build/buildHost';
import { bundledCatalog } from '../models/catalog/catalog';
import type { Catalog } from '../models/catalog/schema';
import type { DownloadTuning } from '../models/download/downloadJob';
import { hfCacheDirs } from '../models/hfCache/locate';
import { offlineFromEnv, resolveEndpoint } from '../models/hub/endpoint';
import { ModelManager } from '../models/manager';
import type { ApiKeys } from '../store/apiKeys';
import { ConversationStore } from '../store/conversations';
import { RemoteServers } from '../store/remoteServers';
import { SettingsStore } from '../store/settings';
import { TurnRecorder } from '../store/turnRecorder';
import type { EventChannel, EventPayload } from './contract';
import { preloadModels } from './modelPreload';

export interface ServicesOptions {
  home: string;
  engine: EngineSupervisor;
  /** Starts a build process: a utilityProcess in the app, a forked child in the preview server. */
  launchBuild: () => BuildChild;
  /** The Hub token for gated models (the app's OS-encrypted store; HF_TOKEN in preview). */
  token: () => Promise<string | undefined>;
  /** Remote servers' API keys (OS-encrypted in the app; in memory in preview). */
  apiKeys: ApiKeys;
  env?: NodeJS.ProcessEnv;
  /** For tests: another catalog, Hub and download tuning. */
  catalog?: Catalog;
  endpoint?: string;
  tuning?: Partial<DownloadTuning>;
}

export interface Services {
  conversations: ConversationStore;
  recorder: TurnRecorder;
  settings: SettingsStore;
  remote: RemoteServers;
  models: ModelManager;
  modelsDir: string;
  /** Sends every data event (conversation changes, settings, model jobs) to `emit`; returns the unsubscribe. */
  forward(emit: <E extends EventChannel>(channel: E, payload: EventPayload<E>) => void): () => void;
  /** App quit: buffered reply text is committed, downloads commit their journals, builds stop, the database closes. */
  close(): Promise<void>;
}

/**
 * Synchronous (a SQLite open and a small JSON read), so the shells can register IPC before their first window; opened
 * before the engine is first ready, which loads the model ahead of the first question (./modelPreload.ts).
 */
export function openServices(options: ServicesOptions): Services {
  const env = options.env ?? process.env;
  const paths = homePaths(options.home);
  const conversations = ConversationStore.open(options.home);
  conversations.sweepMedia().catch((error: unknown) => console.error(`Omnidesk could not clean up media folders: ${String(error)}`));
  const settings = SettingsStore.open(options.home);
  const recorder = new TurnRecorder(conversations);
  const stopRecording = options.engine.onTurn(recorder.onTurnEvent);
  const models = new ModelManager({
    home: options.home,
    catalog: options.catalog ?? bundledCatalog(),
    endpoint: options.endpoint ?? resolveEndpoint(undefined, env),
    token: options.token,
    offline: offlineFromEnv(env),
    hfCacheDirs: hfCacheDirs(env),
    build: processBuildRunner(options.launchBuild),
    tuning: options.tuning,
  });
  const stopPreloading = preloadModels({ engine: options.engine, settings, models, modelsDir: paths.models });
  return {
    conversations,
    recorder,
    settings,
    remote: new RemoteServers(settings, options.apiKeys),
    models,
    modelsDir: paths.models,
    forward: (emit) => {
      const stops = [
        conversations.onChange((change) => emit('conversations.changed', change)),
        settings.onChange((value) => emit('settings.changed', value)),
        models.onProgress((job) => emit('models.progress', job)),
      ];
      return () => stops.forEach((stop) => stop());
    },
    close: async () => {
      stopRecording();
      stopPreloading();
      recorder.flush();
      await Promise.all([models.shutdown(), settings.whenSaved()]);
      conversations.close();
    },
  };
}
