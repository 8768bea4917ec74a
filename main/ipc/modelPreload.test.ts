import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OmniError } from '../engine/errors';
import type { EngineState, ModelJob } from './contract';
import { preloadModels } from './modelPreload';
import { SettingsStore } from '../store/settings';
import { until } from '../../test/until';

let home: string;
beforeEach(() => (home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-preload-'))));
afterEach(() => rmSync(home, { recursive: true, force: true }));

const modelsDir = () => path.join(home, 'models');

/** A built bundle as the model manager leaves one (its manifest, written last, makes it the active one). */
function installBundle(variant: string): string {
  const dir = path.join(modelsDir(), 'Qwen', 'Tiny', 'a'.repeat(40), 'bundles', variant);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'manifest.json'), '{}');
  return dir;
}

/** The engine's side as the preloader sees it: state changes in, preload requests out. */
function setup(refusal?: OmniError) {
  const settings = SettingsStore.open(home);
  const stateListeners = new Set<(state: EngineState) => void>();
  const jobListeners = new Set<(job: ModelJob) => void>();
  const requests: unknown[] = [];
  const warnings: string[] = [];
  const stop = preloadModels({
    engine: {
      onState: (listener) => {
        stateListeners.add(listener);
        return () => stateListeners.delete(listener);
      },
      request: async (method, params) => {
        requests.push([method, params]);
        if (refusal) throw refusal;
        return {} as never;
      },
    },
    settings,
    models: {
      onProgress: (listener) => {
        jobListeners.add(listener);
        return () => jobListeners.delete(listener);
      },
    },
    modelsDir: modelsDir(),
    warn: (message) => warnings.push(message),
  });
  const state = (state: EngineState['state']) => stateListeners.forEach((listener) => listener({ state, restarts: 0 }));
  const job = (phase: ModelJob['phase']) => jobListeners.forEach((listener) => listener({ id: 'Qwen/Tiny', variant: 'int4', phase }));
  return { settings, requests, warnings, state, job, stop };
}

const GPU_BOX = { id: 'gpu-box', name: 'GPU box', baseUrl: 'http://gpu-box:8091/v1', model: 'Qwen/Qwen3-Omni-30B-A3B-Instruct' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Long enough for a look-up of the installed models that finds nothing to end. */
const settle = () => sleep(50);


describe('preloading the model', () => {
  it('opens the installed model with its voice when the engine is first ready, and not after a restart', async () => {
    const bundle = installBundle('int4');
    const { requests, state, stop } = setup();
    state('starting');
    await settle();
    expect(requests).toEqual([]);
    state('ready');
    await until(() => requests.length > 0);
    expect(requests).toEqual([['model.preload', { bundleDir: bundle, speech: true }]]);
    state('busy');
    state('crashed');
    state('starting');
    state('ready');
    await settle();
    expect(requests).toHaveLength(1);
    stop();
  });

  it('opens a newly installed model once its job is done, without its voice when replies are not spoken', async () => {
    const { settings, requests, state, job, stop } = setup();
    await settings.update({ voice: { speak: false } });
    state('ready');
    job('building');
    await settle();
    expect(requests).toEqual([]);
    const bundle = installBundle('int4');
    job('done');
    await until(() => requests.length > 0);
    expect(requests).toEqual([['model.preload', { bundleDir: bundle, speech: false }]]);
    stop();
  });

  it('leaves the model closed when the setting is off, or new conversations go to a remote server', async () => {
    installBundle('int4');
    const { settings, requests, state, job, stop } = setup();
    await settings.update({ model: { loadAtStart: false } });
    state('ready');
    await settle();
    expect(requests).toEqual([]);
    await settings.setRemoteServers([GPU_BOX]);
    await settings.update({ remote: { defaultBackend: 'gpu-box' } });
    await settings.update({ model: { loadAtStart: true } });
    job('done');
    await settle();
    expect(requests).toEqual([]);
    stop();
  });

  it('opens the model once the setting is turned on, new conversations come back here or replies are spoken', async () => {
    const bundle = installBundle('int4');
    const { settings, requests, state, stop } = setup();
    await settings.update({ model: { loadAtStart: false }, voice: { speak: false } });
    state('ready');
    await settle();
    await settings.update({ model: { loadAtStart: true } });
    await until(() => requests.length === 1);
    await settings.setRemoteServers([GPU_BOX]);
    await settings.update({ remote: { defaultBackend: 'gpu-box' } });
    await settings.update({ remote: { defaultBackend: 'local' } });
    await until(() => requests.length === 2);
    await settings.update({ voice: { speak: true } });
    await until(() => requests.length === 3);
    await settings.update({ voice: { speaker: 'Chelsie', speak: true } });
    await settle();
    expect(requests).toEqual([
      ['model.preload', { bundleDir: bundle, speech: false }],
      ['model.preload', { bundleDir: bundle, speech: false }],
      ['model.preload', { bundleDir: bundle, speech: true }],
    ]);
    stop();
  });

  it('says why when the engine could not take the preload', async () => {
    installBundle('int4');
    const refusal = new OmniError('INVALID_REQUEST', 'Preloading /models/int4 refused: turn t1 is running on another model.');
    const { warnings, job, stop } = setup(refusal);
    job('done');
    await until(() => warnings.length > 0);
    expect(warnings).toEqual(['Omnidesk could not load the model ahead of the first question: Preloading /models/int4 refused: turn t1 is running on another model.']);
    stop();
  });
});
