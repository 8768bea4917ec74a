/**
 * Opens the local model before the first question asks for it, since the real one takes minutes to open: once when
 * the engine is first ready after Omnidesk starts, and again when a model job installs a new model (which becomes
 * the one that answers), and when a change of settings makes it wanted. Only where it will answer: "Load the model when Omnidesk starts" on, new conversations
 * answered on this computer, and a model installed; its voice too when replies are spoken.
 *
 * Not after an engine restart: the open itself may be what crashed it (a model too big for the memory), and the
 * next local turn opens the model anyway, saying so. The engine answers a preload at once and reports the open in
 * the engine state; a turn on the same model waits for that same open, and a remote turn needs none of it.
 */
import type { EngineSupervisor } from '../engine/host/supervisor';
import { toErrorInfo } from '../engine/errors';
import { activeBundle } from '../models/activeBundle';
import type { ModelManager } from '../models/manager';
import type { SettingsStore } from '../store/settings';
import type { Settings } from './schemas/settings';
import { LOCAL_BACKEND } from './schemas/settings';

export interface ModelPreloadOptions {
  engine: Pick<EngineSupervisor, 'onState' | 'request'>;
  settings: Pick<SettingsStore, 'settings' | 'onChange'>;
  models: Pick<ModelManager, 'onProgress'>;
  modelsDir: string;
  /** Where a preload the engine could not take is told; how an open goes shows in the engine state. */
  warn?: (message: string) => void;
}

/** Subscribes before the engine's first ready (the shells open their services before it can be); returns the unsubscribe. */
export function preloadModels({ engine, settings, models, modelsDir, warn = console.warn }: ModelPreloadOptions): () => void {
  const wanted = ({ model, remote }: Settings) => model.loadAtStart && remote.defaultBackend === LOCAL_BACKEND;
  const preload = async () => {
    if (!wanted(settings.settings)) return;
    const bundle = await activeBundle(modelsDir);
    if (bundle) await engine.request('model.preload', { bundleDir: bundle.path, speech: settings.settings.voice.speak });
  };
  const run = () => preload().catch((error: unknown) => warn(`Omnidesk could not load the model ahead of the first question: ${toErrorInfo(error).message}`));
  let started = false;
  let previous = settings.settings;
  const stops = [
    engine.onState(({ state }) => {
      if (started || state !== 'ready') return;
      started = true;
      void run();
    }),
    models.onProgress((job) => {
      if (job.phase === 'done') void run();
    }),
    // Turning the setting on, answering new conversations here again or speaking replies asks for it now; the
    // engine opens a model (or its voice) once however often it is asked.
    settings.onChange((next) => {
      const asks = wanted(next) && (!wanted(previous) || (next.voice.speak && !previous.voice.speak));
      previous = next;
      if (started && asks) void run();
    }),
  ];
  return () => stops.forEach((stop) => stop());
}
