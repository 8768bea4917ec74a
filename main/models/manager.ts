/**
 * The model manager behind the Models screen: the catalog with this machine's fit verdicts, disk usage, and one job
 * per model that downloads (resuming any earlier partial download), installs and builds the chosen variant. Each
 * job's state is a `ModelJob` snapshot sent to listeners whenever it changes, at most every `progressIntervalMs`
 * while bytes move. Downloading and hashing run off the event loop already (streams and a hashing worker); the
 * build runs in a process of its own (./build/buildProtocol.ts). Pure Node: the app and the preview server share it.
 */
import path from 'node:path';
import { toErrorInfo } from '../engine/errors';
import { isModelError, ModelError } from './errors';
import { homePaths } from '../engine/home';
import type { DiskUsage, ModelCatalogView, ModelJob } from '../ipc/schemas/models';
import { activeBundle } from './activeBundle';
import type { BuildRunner } from './build/buildHost';
import { findEntry } from './catalog/catalog';
import type { Catalog, VariantName } from './catalog/schema';
import type { DownloadTuning } from './download/downloadJob';
import { freeBytes } from './download/diskSpace';
import { etaSeconds, SpeedMeter } from './download/speedMeter';
import { fitAll } from './fit/estimate';
import { probeMachine, type Machine } from './fit/machine';
import { folderSize, listInstalledModels } from './installed';
import { ModelPull, type PullEvent } from './pull';
import { removeModel } from './remove';

export interface ModelManagerOptions {
  home: string;
  catalog: Catalog;
  /** Hub base URL (resolved from settings or HF_ENDPOINT by the shell). */
  endpoint: string;
  token: () => Promise<string | undefined>;
  offline: boolean;
  hfCacheDirs: string[];
  build: BuildRunner;
  tuning?: Partial<DownloadTuning>;
  probe?: (modelsDir: string) => Promise<Machine>;
  progressIntervalMs?: number;
}

interface Job {
  snapshot: ModelJob;
  pull?: ModelPull;
  buildAbort?: AbortController;
  lastSent: number;
}

/** Progress of one step; the ETA is left out while nothing moves, so a stall never shows a frozen estimate. */
function progressOf(bytesDone: number, bytesTotal: number, bytesPerSecond: number): NonNullable<ModelJob['progress']> {
  const eta = etaSeconds(bytesTotal - bytesDone, bytesPerSecond);
  return { bytesDone, bytesTotal, bytesPerSecond, ...(eta !== undefined ? { etaSeconds: eta } : {}) };
}

const ACTIVE: ReadonlySet<ModelJob['phase']> = new Set(['resolving', 'checking', 'downloading', 'paused', 'installing', 'building']);
export const isActive = (job: ModelJob) => ACTIVE.has(job.phase);

export class ModelManager {
  private readonly jobs = new Map<string, Job>();
  private readonly listeners = new Set<(job: ModelJob) => void>();
  /** Builds run one after another: each may need most of the machine's memory. */
  private buildQueue: Promise<unknown> = Promise.resolve();
  private readonly paths;
  private readonly progressIntervalMs: number;

  constructor(private readonly options: ModelManagerOptions) {
    this.paths = homePaths(options.home);
    this.progressIntervalMs = options.progressIntervalMs ?? 250;
  }

  onProgress(listener: (job: ModelJob) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  listJobs = (): ModelJob[] => [...this.jobs.values()].map((job) => job.snapshot);

  async catalog(): Promise<ModelCatalogView> {
    const [machine, installed, active] = await Promise.all([
      (this.options.probe ?? probeMachine)(this.paths.models),
      listInstalledModels(this.paths.models),
      activeBundle(this.paths.models),
    ]);
    return {
      machine,
      models: this.options.catalog.models.map((entry) => ({
        id: entry.id,
        displayName: entry.displayName,
        default: entry.default,
        speech: entry.speech,
        license: entry.license,
        revision: entry.revision,
        downloadBytes: entry.downloadBytes,
        fits: fitAll(entry, machine),
        installed: installed
          .filter((model) => model.id.toLowerCase() === entry.id.toLowerCase())
          .flatMap((model) => model.variants.map((v) => ({ revision: model.revision, variant: v.variant, sizeBytes: v.sizeBytes, active: v.path === active?.path }))),
      })),
    };
  }

  async disk(): Promise<DiskUsage> {
    const [modelsBytes, downloadsBytes, free] = await Promise.all([folderSize(this.paths.models), folderSize(this.paths.downloads), freeBytes(this.paths.home)]);
    return { folder: this.paths.models, modelsBytes, downloadsBytes, freeBytes: free };
  }

  /** Starts downloading and building a catalog model; one job per model at a time. */
  pull(id: string, variant: VariantName, keepCheckpoint: boolean): ModelJob {
    const entry = findEntry(this.options.catalog, id);
    if (!entry) throw new ModelError('INVALID_REQUEST', `${id} is not in the model catalog`, 'Only catalog models can be installed from the Models screen; use "omnidesk pull" for others.');
    const current = this.jobs.get(entry.id);
    if (current && isActive(current.snapshot)) {
      throw new ModelError('DOWNLOAD_BUSY', `${entry.id} is already being installed`, 'Pause, resume or cancel that job instead.');
    }
    const job: Job = { snapshot: { id: entry.id, variant, phase: 'resolving' }, lastSent: 0 };
    this.jobs.set(entry.id, job);
    this.emit(job);
    void this.run(job, entry.revision, keepCheckpoint);
    return job.snapshot;
  }

  async pause(id: string): Promise<ModelJob> {
    const job = this.activeJob(id);
    if (job.snapshot.phase !== 'downloading' || !job.pull) {
      throw new ModelError('INVALID_REQUEST', `${job.snapshot.id} cannot be paused while ${job.snapshot.phase}`, 'Only a download in progress can be paused.');
    }
    await job.pull.pause();
    this.update(job, { phase: 'paused' }, true);
    return job.snapshot;
  }

  resume(id: string): ModelJob {
    const job = this.activeJob(id);
    if (job.snapshot.phase !== 'paused' || !job.pull) throw new ModelError('INVALID_REQUEST', `${job.snapshot.id} is not paused`);
    this.update(job, { phase: 'downloading' }, true);
    job.pull.resume();
    return job.snapshot;
  }

  /** Stops the job: a download loses its partial files; a build loses only the half-built bundle. */
  async cancel(id: string): Promise<ModelJob> {
    const job = this.activeJob(id);
    job.buildAbort?.abort();
    await job.pull?.cancel();
    return job.snapshot;
  }

  async remove(id: string): Promise<{ id: string; revisions: string[]; freedBytes: number }> {
    const job = [...this.jobs.values()].find((j) => j.snapshot.id.toLowerCase() === id.toLowerCase());
    if (job && isActive(job.snapshot)) {
      throw new ModelError('DOWNLOAD_BUSY', `${job.snapshot.id} is being installed right now`, 'Cancel that job first, then remove the model.');
    }
    const result = await removeModel(this.options.home, id);
    if (job) this.jobs.delete(job.snapshot.id);
    return { id: result.repo, revisions: result.revisions, freedBytes: result.freedBytes };
  }

  /** App quit: downloads commit their journals (the next Download resumes them); builds are stopped. */
  async shutdown(): Promise<void> {
    await Promise.all(
      [...this.jobs.values()].map(async (job) => {
        job.buildAbort?.abort();
        await job.pull?.pause();
      }),
    );
  }

  private activeJob(id: string): Job {
    const job = [...this.jobs.values()].find((j) => j.snapshot.id.toLowerCase() === id.toLowerCase());
    if (!job || !isActive(job.snapshot)) throw new ModelError('INVALID_REQUEST', `No download or build of ${id} is running`);
    return job;
  }

  private async run(job: Job, revision: string, keepCheckpoint: boolean): Promise<void> {
    const { options } = this;
    try {
      job.pull = new ModelPull({
        repo: job.snapshot.id,
        revision,
        home: options.home,
        access: { endpoint: options.endpoint, token: await options.token() },
        offline: options.offline,
        hfCacheDirs: options.hfCacheDirs,
        tuning: options.tuning,
        onEvent: (event) => this.onPullEvent(job, event),
      });
      const installed = await job.pull.run();
      job.pull = undefined;
      const checkpointBytes = await folderSize(installed.checkpointDir);
      job.buildAbort = new AbortController();
      const signal = job.buildAbort.signal;
      this.update(job, { phase: 'building', progress: progressOf(0, checkpointBytes, 0), detail: 'waiting for another build' }, true);
      const built = this.buildQueue.then(() => {
        if (signal.aborted) throw new ModelError('CANCELLED', `The ${job.snapshot.variant} build was cancelled`);
        this.update(job, { detail: 'starting the build process' }, true);
        const meter = new SpeedMeter();
        let previous = 0;
        return options.build({
          checkpointDir: installed.checkpointDir,
          model: { id: installed.repo, revision: installed.commit },
          variant: job.snapshot.variant,
          keepCheckpoint,
          signal,
          onProgress: ({ fraction, stage }) => {
            const bytesDone = Math.round(fraction * checkpointBytes);
            meter.add(bytesDone - previous);
            previous = bytesDone;
            this.update(job, { progress: progressOf(bytesDone, checkpointBytes, meter.bytesPerSecond()), detail: stage }, fraction === 1);
          },
        });
      });
      this.buildQueue = built.catch(() => undefined);
      await built;
      this.update(job, { phase: 'done', progress: undefined, detail: undefined }, true);
    } catch (error) {
      const info = toErrorInfo(error);
      const cancelled = isModelError(error, 'CANCELLED') || info.code === 'CANCELLED';
      this.update(job, cancelled ? { phase: 'cancelled', progress: undefined, detail: undefined } : { phase: 'failed', error: info, detail: undefined }, true);
    } finally {
      job.pull = undefined;
      job.buildAbort = undefined;
    }
  }

  private onPullEvent(job: Job, event: PullEvent): void {
    switch (event.phase) {
      case 'resolving':
        this.update(job, { phase: 'resolving', detail: `listing the files of ${event.revision}` }, true);
        break;
      case 'checking':
        this.update(job, { phase: 'checking', detail: `verifying ${path.basename(event.file)}` }, true);
        break;
      case 'downloading': {
        if (job.snapshot.phase === 'paused') return;
        const { bytesDone, bytesTotal, bytesPerSecond, filesDone, filesTotal } = event.progress;
        const phaseChanged = job.snapshot.phase !== 'downloading';
        const change = { phase: 'downloading' as const, progress: progressOf(bytesDone, bytesTotal, bytesPerSecond), detail: `${filesDone} of ${filesTotal} files` };
        this.update(job, change, phaseChanged || bytesDone === bytesTotal);
        break;
      }
      case 'installing':
        this.update(job, { phase: 'installing', detail: undefined }, true);
        break;
    }
  }

  /**
   * Applies a change (a field given as undefined is cleared); sends it now if `force`, else only if the last send is
   * older than the progress interval.
   */
  private update(job: Job, change: Partial<ModelJob>, force: boolean): void {
    const next = { ...job.snapshot, ...change };
    job.snapshot = Object.fromEntries(Object.entries(next).filter(([, value]) => value !== undefined)) as ModelJob;
    const now = Date.now();
    if (force || now - job.lastSent >= this.progressIntervalMs) this.emit(job, now);
  }

  private emit(job: Job, now = Date.now()): void {
    job.lastSent = now;
    this.listeners.forEach((listener) => listener(job.snapshot));
  }
}
