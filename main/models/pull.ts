/**
 * `pull`: from a repository id to an installed, verified checkpoint at `models/<org>/<name>/<commit>/checkpoint/`.
 * Steps: resolve the revision to a commit and list its files (or, offline, take the list from an earlier journal or
 * a Hugging Face cache snapshot — never a socket); resume the staging folder of that commit if there is one; take
 * what a Hugging Face cache holds; download the rest; then install with a single rename, so the checkpoint folder
 * exists only once every file in it is verified. Any failure leaves the staging folder and its journal for the next
 * run and nothing under models/.
 */
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { homePaths } from '../engine/home';
import { isModelError, ModelError } from './errors';
import { HashWorker } from './hash/hashWorker';
import { authHeaders, fetchSnapshot, resolveUrl, type HubAccess, type Snapshot } from './hub/hubClient';
import { snapshotFromHfCache } from './hfCache/snapshot';
import { reuseFromHfCache } from './hfCache/reuse';
import { checkpointDir, COMMIT, modelDir, parseRepoId, SOURCE_RECORD, stagingDir, type RepoId } from './layout';
import { DEFAULT_TUNING, DownloadJob, type DownloadProgress, type DownloadStats, type DownloadTuning } from './download/downloadJob';
import { formatGB } from './download/diskSpace';
import { syncFolder, writeJournal, type Journal } from './download/journal';
import { acquireLock } from './download/lock';
import { findStaging, matchesSnapshot, newJournal, recheckStaged, type Staging } from './download/staging';

export interface PullOptions {
  repo: string;
  /** A branch, tag or commit. */
  revision: string;
  home: string;
  access: HubAccess;
  /** Use only what is on this machine; no socket is opened. */
  offline: boolean;
  hfCacheDirs: string[];
  tuning?: Partial<DownloadTuning>;
  onEvent?: (event: PullEvent) => void;
}

export type PullEvent =
  | { phase: 'resolving'; revision: string }
  /** A file already on disk (staged earlier, or in a Hugging Face cache) is being hashed. */
  | { phase: 'checking'; file: string; bytes: number }
  | { phase: 'downloading'; progress: DownloadProgress }
  | { phase: 'installing' };

export interface PullResult {
  repo: string;
  commit: string;
  checkpointDir: string;
  alreadyInstalled: boolean;
  /** Bytes taken from a Hugging Face cache instead of the network. */
  reusedBytes: number;
  download?: DownloadStats;
}

interface SourceRecord {
  repo: string;
  revision: string;
  commit: string;
  endpoint: string;
  files: Pick<Journal['files'][number], 'path' | 'size' | 'digest'>[];
}

const exists = (file: string) => stat(file).then(
  () => true,
  () => false,
);

/** An installed checkpoint of `repo` whose source record says it came from `revision`, for offline branch names. */
async function installedFor(models: string, repo: RepoId, revision: string): Promise<string | undefined> {
  for (const commit of (await readdir(modelDir(models, repo)).catch(() => [] as string[])).filter((c) => COMMIT.test(c))) {
    const record = await readFile(path.join(checkpointDir(models, repo, commit), SOURCE_RECORD), 'utf8').then((t) => JSON.parse(t) as SourceRecord, () => undefined);
    if (record?.revision === revision) return commit;
  }
  return undefined;
}

export class ModelPull {
  private readonly abort = new AbortController();
  private job: DownloadJob | undefined;
  private readonly tuning: DownloadTuning;

  constructor(private readonly options: PullOptions) {
    this.tuning = { ...DEFAULT_TUNING, ...options.tuning };
  }

  /** Stops transfers and commits the journal (for an app quit, or a pause button); `resume()` continues. */
  pause = async () => this.job?.pause();
  resume = () => this.job?.resume();

  /** Stops and removes the staging folder; `run()` rejects with CANCELLED. */
  cancel = async () => {
    this.abort.abort();
    await this.job?.cancel();
  };

  async run(): Promise<PullResult> {
    const { options } = this;
    const repo = parseRepoId(options.repo);
    const { models, downloads } = homePaths(options.home);
    const installed = (commit: string): PullResult => ({ repo: repo.id, commit, checkpointDir: checkpointDir(models, repo, commit), alreadyInstalled: true, reusedBytes: 0 });

    const known = COMMIT.test(options.revision) ? options.revision : await installedFor(models, repo, options.revision);
    if (known && (await exists(checkpointDir(models, repo, known)))) return installed(known);

    let staging = await findStaging(downloads, repo, options.revision);
    let snapshot: Snapshot | undefined;
    if (!options.offline) {
      options.onEvent?.({ phase: 'resolving', revision: options.revision });
      snapshot = await fetchSnapshot(options.access, repo, options.revision, this.abort.signal);
    } else if (!staging) {
      snapshot = await snapshotFromHfCache(options.hfCacheDirs, repo, options.revision);
      if (!snapshot) {
        throw new ModelError(
          'NETWORK_OFFLINE',
          `${repo.id}@${options.revision} is not installed, and offline there is nothing to install it from (no earlier partial download, no complete Hugging Face cache snapshot)`,
          'Run the same pull without --offline to download it.',
        );
      }
    }
    if (snapshot && (await exists(checkpointDir(models, repo, snapshot.commit)))) return installed(snapshot.commit);
    if (snapshot && staging && !matchesSnapshot(staging.journal, snapshot)) {
      await rm(staging.dir, { recursive: true, force: true });
      staging = undefined;
    }
    const commit = staging?.journal.commit ?? snapshot!.commit;
    const dir = staging?.dir ?? stagingDir(downloads, repo, commit);
    await mkdir(dir, { recursive: true });
    const release = await acquireLock(dir, `${repo.id}@${commit}`);
    const hasher = new HashWorker();
    try {
      return await this.fetchAndInstall(repo, { dir, journal: staging?.journal ?? newJournal(snapshot!, options.revision, options.access.endpoint, this.tuning.segmentBytes) }, hasher);
    } catch (error) {
      if (isModelError(error, 'CANCELLED') || this.abort.signal.aborted) {
        await rm(dir, { recursive: true, force: true });
        throw isModelError(error, 'CANCELLED') ? error : new ModelError('CANCELLED', `The download of ${repo.id} was cancelled`);
      }
      throw error;
    } finally {
      await hasher.close();
      await release();
    }
  }

  private async fetchAndInstall(repo: RepoId, staging: Staging, hasher: HashWorker): Promise<PullResult> {
    const { options } = this;
    const { dir, journal } = staging;
    const root = path.join(dir, 'checkpoint');
    const checking = (file: { path: string; size: number }) => options.onEvent?.({ phase: 'checking', file: file.path, bytes: file.size });
    await writeJournal(dir, journal);
    await recheckStaged(journal, root, hasher, checking);
    const reused = await reuseFromHfCache({ repo, files: journal.files, cacheDirs: options.hfCacheDirs, checkpointRoot: root, hasher, onFile: checking });
    await writeJournal(dir, journal);
    this.throwIfCancelled(repo);

    const missing = journal.files.filter((f) => !f.verified);
    let download: DownloadStats | undefined;
    if (missing.length > 0) {
      if (options.offline) {
        throw new ModelError(
          'NETWORK_OFFLINE',
          `${missing.length} file(s) of ${repo.id} (${formatGB(missing.reduce((s, f) => s + f.size, 0))}, e.g. ${missing[0].path}) are not on this machine, and the pull is offline`,
          'Run the same pull without --offline to fetch them; what is already here is kept.',
        );
      }
      this.job = new DownloadJob({
        journal,
        stagingDir: dir,
        urlFor: (file) => resolveUrl(options.access, repo, journal.commit, file.path),
        headers: authHeaders(options.access),
        hasher,
        tuning: this.tuning,
        onProgress: (progress) => options.onEvent?.({ phase: 'downloading', progress }),
      });
      download = await this.job.run();
    }
    options.onEvent?.({ phase: 'installing' });
    return { repo: repo.id, commit: journal.commit, checkpointDir: await this.install(repo, staging), alreadyInstalled: false, reusedBytes: reused.bytes, download };
  }

  /** One rename makes the verified checkpoint appear; the staging folder goes afterwards. */
  private async install(repo: RepoId, { dir, journal }: Staging): Promise<string> {
    const root = path.join(dir, 'checkpoint');
    await mkdir(root, { recursive: true });
    const record: SourceRecord = {
      repo: repo.id,
      revision: journal.revision,
      commit: journal.commit,
      endpoint: journal.endpoint,
      files: journal.files.map(({ path: p, size, digest }) => ({ path: p, size, digest })),
    };
    await writeFile(path.join(root, SOURCE_RECORD), JSON.stringify(record, null, 2));
    const target = checkpointDir(homePaths(this.options.home).models, repo, journal.commit);
    await mkdir(path.dirname(target), { recursive: true });
    if (!(await exists(target))) {
      await rename(root, target);
      await syncFolder(path.dirname(target));
    }
    await rm(dir, { recursive: true, force: true });
    return target;
  }

  private throwIfCancelled(repo: RepoId): void {
    if (this.abort.signal.aborted) throw new ModelError('CANCELLED', `The download of ${repo.id} was cancelled`);
  }
}
