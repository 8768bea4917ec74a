/**
 * Opens the local model before the first question asks for it, since the real one takes minutes to open: once when
 * the engine is first ready after Omnidesk starts, and again when a model job installs a new model (which becomes
 * the one that answers). Only where it will answer: "Load the model when Omnidesk starts" on, new conversations
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
import { LOCAL_BACKEND } from './schemas/settings';

export interface ModelPreloadOptions {
  engine: Pick<EngineSupervisor, 'onState' | 'request'>;
  settings: Pick<SettingsStore, 'settings'>;
  models: Pick<ModelManager, 'onProgress'>;
  modelsDir: string;
  /** Where a preload the engine could not take is told; how an open goes shows in the engine state. */
  warn?: (message: string) => void;
}

/** Subscribes before the engine's first ready (the shells open their services before it can be); returns the unsubscribe. */
export function preloadModels({ engine, settings, models, modelsDir, warn = console.warn }: ModelPreloadOptions): () => void {
  const preload = async () => {
    const { model, remote, voice } = settings.settings;
    if (!model.loadAtStart || remote.defaultBackend !== LOCAL_BACKEND) return;
    const bundle = await activeBundle(modelsDir);
    if (bundle) await engine.request('model.preload', { bundleDir: bundle.path, speech: voice.speak });
  };
  const run = () => preload().catch((error: unknown) => warn(`Omnidesk could not load the model ahead of the first question: ${toErrorInfo(error).message}`));
  let started = false;
  const stops = [
    engine.onState(({ state }) => {
      if (started || state !== 'ready') return;
      started = true;
      void run();
    }),
    models.onProgress((job) => {
      if (job.phase === 'done') void run();
    }),
  ];
  return () => stops.forEach((stop) => stop());
}
