import { describe, expect, it } from 'vitest';
import type { ModelJob, VariantFit } from '../../../main/ipc/contract';
import { fakeApi, settle } from '../testing/fakeApi';
import { createModelsStore, isRunning, suggestedVariant } from './models';

const ID = 'Qwen/Qwen3-Omni-30B-A3B-Instruct';
const job = (phase: ModelJob['phase'], extra: Partial<ModelJob> = {}): ModelJob => ({ id: ID, variant: 'int4', phase, ...extra });

function setup(jobsOfThisRun: ModelJob[] = []) {
  const fake = fakeApi();
  fake.mocks.models.jobs.mockResolvedValueOnce({ jobs: jobsOfThisRun });
  fake.mocks.models.catalog.mockResolvedValue({ machine: { totalRamBytes: 1, freeRamBytes: 1, freeDiskBytes: 1 }, models: [] });
  fake.mocks.models.disk.mockResolvedValue({ folder: '/m', modelsBytes: 0, downloadsBytes: 0, freeBytes: 9 });
  const store = createModelsStore(fake.api);
  return { ...fake, store, jobs: () => store.jobs.getState() };
}

describe('models store', () => {
  it('loads the catalog, the disk usage and the jobs of this run', async () => {
    const { store, jobs } = setup([job('paused')]);
    await settle();
    expect(store.catalog.getState().data.phase).toBe('ready');
    expect(store.disk.getState().data.value?.freeBytes).toBe(9);
    expect(jobs().jobs[ID]).toEqual(job('paused'));
  });

  it('follows progress events, and reloads catalog and disk once a job ends', async () => {
    const { mocks, emitJob, jobs } = setup();
    await settle();
    emitJob(job('downloading', { progress: { bytesDone: 5, bytesTotal: 10, bytesPerSecond: 2, etaSeconds: 2.5 } }));
    expect(jobs().jobs[ID].progress?.etaSeconds).toBe(2.5);
    expect(mocks.models.catalog).toHaveBeenCalledTimes(1);
    emitJob(job('done'));
    await settle();
    expect(mocks.models.catalog).toHaveBeenCalledTimes(2);
    expect(mocks.models.disk).toHaveBeenCalledTimes(2);
  });

  it('passes actions to main and keeps a refusal to show beside the model', async () => {
    const { mocks, store, jobs } = setup();
    mocks.models.pull.mockResolvedValueOnce(job('resolving'));
    await store.pull(ID, 'int4', false);
    expect(mocks.models.pull).toHaveBeenCalledWith({ id: ID, variant: 'int4', keepCheckpoint: false });
    mocks.models.remove.mockRejectedValueOnce({ code: 'DOWNLOAD_BUSY', message: `${ID} is being installed right now` });
    await store.remove(ID);
    expect(jobs().errors[ID]).toEqual({ code: 'DOWNLOAD_BUSY', message: `${ID} is being installed right now` });
    expect(jobs().busy[ID]).toBe(false);
    store.dismissError(ID);
    expect(jobs().errors).toEqual({});
  });
});

describe('suggestedVariant', () => {
  const fit = (variant: VariantFit['variant'], verdict: VariantFit['verdict'], bundleBytes: number): VariantFit => ({
    variant,
    verdict,
    reasons: [],
    needs: { bundleBytes, diskBytes: 0, ramBytes: 0, vramBytes: 0 },
  });

  it('offers the smallest variant that runs here, then the smallest that fits, else none', () => {
    expect(suggestedVariant([fit('fp32', 'runs here', 140), fit('int4', 'runs here', 24)])).toBe('int4');
    expect(suggestedVariant([fit('fp32', 'runs here', 140), fit('int4', 'runs slowly on CPU', 24)])).toBe('fp32');
    expect(suggestedVariant([fit('fp32', 'does not fit', 140), fit('int4', 'runs slowly on CPU', 24)])).toBe('int4');
    expect(suggestedVariant([fit('fp32', 'does not fit', 140)])).toBeUndefined();
  });

  it('counts only unfinished jobs as running', () => {
    expect([job('paused'), job('building'), job('done'), job('failed'), undefined].map(isRunning)).toEqual([true, true, false, false, false]);
  });
});
