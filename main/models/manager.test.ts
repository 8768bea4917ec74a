import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { forkLauncher } from '../engine/host/forkLauncher';
import { homePaths } from '../engine/home';
import type { ModelJob } from '../ipc/schemas/models';
import { processBuildRunner, type BuildRunner } from './build/buildHost';
import { ModelError } from './errors';
import { ModelManager } from './manager';
import { installedSpeakers } from './speakers';
import { startFakeHub, type FakeHub } from './testing/fakeHub';
import { tempHome, testTuning } from './testing/harness';
import { TINY_ID, tinyCatalog, tinyRepo } from './testing/tinyModel';

const BUILD_ENTRY = fileURLToPath(new URL('./build/buildProcess.ts', import.meta.url));
const MACHINE = { totalRamBytes: 64e9, freeRamBytes: 32e9, freeDiskBytes: 500e9 };

let hub: FakeHub | undefined;
afterEach(async () => {
  await hub?.close();
  hub = undefined;
});

/** A build that finishes at once, or waits for its abort signal when `hang`. */
const fakeBuild =
  (hang = false): BuildRunner =>
  ({ signal, onProgress }) =>
    new Promise((resolve, reject) => {
      onProgress({ fraction: 0.5, stage: 'thinker' });
      if (!hang) resolve({ bundleDir: 'built' });
      signal.addEventListener('abort', () => reject(new ModelError('CANCELLED', 'The build was cancelled')));
    });

async function setup(build: BuildRunner, { bytesPerSecond, hubRepoId }: { bytesPerSecond?: number; hubRepoId?: string } = {}) {
  const repo = tinyRepo(hubRepoId);
  hub = await startFakeHub({ repos: [repo], bytesPerSecond });
  const home = tempHome('manager');
  const manager = new ModelManager({
    home,
    catalog: tinyCatalog(),
    endpoint: hub.url,
    token: async () => undefined,
    offline: false,
    hfCacheDirs: [],
    build,
    tuning: testTuning(),
    probe: async () => MACHINE,
    progressIntervalMs: 0,
  });
  const events: ModelJob[] = [];
  manager.onProgress((job) => events.push(job));
  const until = (phase: ModelJob['phase'], test: (job: ModelJob) => boolean = () => true) =>
    new Promise<ModelJob>((resolve) => {
      const found = events.find((job) => job.phase === phase && test(job));
      if (found) return resolve(found);
      const stop = manager.onProgress((job) => {
        if (job.phase === phase && test(job)) {
          stop();
          resolve(job);
        }
      });
    });
  return { manager, home, repo, events, until };
}

const phases = (events: ModelJob[]) => events.map((e) => e.phase).filter((phase, i, all) => phase !== all[i - 1]);

describe('model manager', () => {
  it('downloads and builds a catalog model in a build process of its own, then lists it as installed', async () => {
    const { manager, home, events, until } = await setup(processBuildRunner(forkLauncher({ entry: BUILD_ENTRY })));
    expect(manager.pull(TINY_ID, 'int4', false)).toEqual({ id: TINY_ID, variant: 'int4', phase: 'resolving' });
    const done = await until('done');
    expect(done).toEqual({ id: TINY_ID, variant: 'int4', phase: 'done' });
    expect(phases(events)).toEqual(['resolving', 'downloading', 'installing', 'building', 'done']);
    // The build's progress counts the checkpoint's bytes: the fixture's 12,739,563 and the source record.
    const building = events.filter((e) => e.phase === 'building' && e.progress);
    const last = building.at(-1)?.progress;
    expect(last?.bytesDone).toBe(last?.bytesTotal);
    expect(last?.bytesTotal).toBeGreaterThan(12_739_563);

    const catalog = await manager.catalog();
    expect(catalog.machine).toEqual(MACHINE);
    expect(catalog.models[0].installed).toEqual([{ revision: expect.stringMatching(/^[0-9a-f]{40}$/), variant: 'int4', sizeBytes: expect.any(Number), active: true }]);
    expect(catalog.models[0].fits.map((fit) => [fit.variant, fit.verdict])).toEqual([
      ['fp32', 'runs slowly on CPU'],
      ['int4', 'runs slowly on CPU'],
    ]);
    // keepCheckpoint false: only the bundle is left.
    const revision = readdirSync(path.join(homePaths(home).models, 'Omnidesk', 'Tiny-Qwen3-Omni'))[0];
    expect(readdirSync(path.join(homePaths(home).models, 'Omnidesk', 'Tiny-Qwen3-Omni', revision))).toEqual(['bundles']);
    await expect(installedSpeakers(homePaths(home).models)).resolves.toEqual(['Aiden', 'Chelsie', 'Ethan']);
    const disk = await manager.disk();
    expect(disk.modelsBytes).toBe(catalog.models[0].installed[0].sizeBytes);
    expect(disk.downloadsBytes).toBe(0);
  }, 60_000);

  it('pauses a download without losing bytes and resumes it to the end', async () => {
    const { manager, until } = await setup(fakeBuild(), { bytesPerSecond: 4_000_000 });
    manager.pull(TINY_ID, 'int4', true);
    await until('downloading', (job) => (job.progress?.bytesDone ?? 0) > 1_000_000);
    const paused = await manager.pause(TINY_ID);
    expect(paused.phase).toBe('paused');
    const kept = paused.progress?.bytesDone ?? 0;
    expect(kept).toBeGreaterThan(1_000_000);
    await expect(manager.pause(TINY_ID)).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: `${TINY_ID} cannot be paused while paused` });
    expect(manager.resume(TINY_ID).phase).toBe('downloading');
    hub!.setBytesPerSecond(undefined);
    await until('done');
    expect(manager.listJobs()).toEqual([{ id: TINY_ID, variant: 'int4', phase: 'done' }]);
  });

  it('cancels a download: the partial files go and nothing is installed', async () => {
    const { manager, home, until } = await setup(fakeBuild(), { bytesPerSecond: 2_000_000 });
    manager.pull(TINY_ID, 'fp32', true);
    await until('downloading', (job) => (job.progress?.bytesDone ?? 0) > 0);
    await manager.cancel(TINY_ID);
    await until('cancelled');
    expect(readdirSync(homePaths(home).downloads)).toEqual([]);
    expect(existsSync(path.join(homePaths(home).models, 'Omnidesk'))).toBe(false);
  });

  it('cancels a build by its abort signal, keeping the downloaded checkpoint', async () => {
    const { manager, home, until } = await setup(fakeBuild(true));
    manager.pull(TINY_ID, 'int4', true);
    await until('building', (job) => job.detail === 'thinker');
    await manager.cancel(TINY_ID);
    expect((await until('cancelled')).progress).toBeUndefined();
    const revisions = readdirSync(path.join(homePaths(home).models, 'Omnidesk', 'Tiny-Qwen3-Omni'));
    expect(readdirSync(path.join(homePaths(home).models, 'Omnidesk', 'Tiny-Qwen3-Omni', revisions[0]))).toEqual(['checkpoint']);
  });

  it('runs one job per model, refuses models outside the catalog, and removes only what is not busy', async () => {
    const { manager, until } = await setup(fakeBuild(true));
    expect(() => manager.pull('Someone/Else', 'int4', true)).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST' }));
    manager.pull(TINY_ID, 'int4', true);
    expect(() => manager.pull(TINY_ID, 'fp32', true)).toThrow(expect.objectContaining({ code: 'DOWNLOAD_BUSY' }));
    await until('building');
    await expect(manager.remove(TINY_ID)).rejects.toMatchObject({ code: 'DOWNLOAD_BUSY' });
    await manager.cancel(TINY_ID);
    await until('cancelled');
    const removed = await manager.remove(TINY_ID);
    expect(removed).toEqual({ id: TINY_ID, revisions: [expect.stringMatching(/^[0-9a-f]{40}$/)], freedBytes: expect.any(Number) });
    expect(removed.freedBytes).toBeGreaterThan(12_739_563);
    expect(manager.listJobs()).toEqual([]);
    expect(() => manager.resume(TINY_ID)).toThrow(`No download or build of ${TINY_ID} is running`);
  });

  it('reports a failure with the model manager’s error code', async () => {
    const { manager, until } = await setup(fakeBuild(), { hubRepoId: 'Someone/Else' });
    manager.pull(TINY_ID, 'int4', true);
    expect((await until('failed')).error?.code).toBe('REPO_NOT_FOUND');
  });
});
