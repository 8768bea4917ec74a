/**
 * Downloads the unverified files of a journal into a staging folder: several files at once and, for big files,
 * several segments at once; every byte hashed as it streams in (./hashFrontier.ts); a file counts only once its
 * digest matched, and is then renamed from its `.part` name. Failures a retry can fix are retried per segment with
 * back-off (a segment that keeps failing without progress ends the download); failures that waiting cannot fix (a
 * refused token, a vanished file, a full disk) stop it at once. Either way the journal is committed first, so the
 * next run resumes where this one stopped. Pause aborts the transfers and keeps everything; cancel does the same and
 * leaves removing the staging folder to the caller.
 */
import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { constants } from 'node:fs';
import path from 'node:path';
import { ModelError } from '../errors';
import { digestMatches, type HashWorker } from '../hash/hashWorker';
import { hubError } from '../hub/hubClient';
import { backoffMs, DEFAULT_RETRY, isTransient, isUnreachable, sleep, type RetryPolicy } from '../hub/retry';
import { parseRepoId, safeRepoPath } from '../layout';
import { freeBytes, formatGB } from './diskSpace';
import { fetchRange } from './fetchRange';
import { HashFrontier } from './hashFrontier';
import { bytesDone, partName, segmentCount, segmentLength, segmentStart, writeJournal, writeLiveJournal, type Journal, type JournalFile } from './journal';
import { RateLimiter } from './rateLimiter';
import { etaSeconds, SpeedMeter } from './speedMeter';

export interface DownloadTuning {
  /** Transfers at once, over all files. */
  concurrency: number;
  /** Segment size of new journals: the unit of parallel transfers within a file. */
  segmentBytes: number;
  /** No byte for this long aborts a transfer (and it is retried). */
  stallMs: number;
  /** How often part files are synced and the durable journal rewritten: the most a power cut can cost. */
  journalIntervalMs: number;
  /** How often the live journal is rewritten (no fsync): the most a process crash can cost. */
  liveJournalIntervalMs: number;
  progressIntervalMs: number;
  retry: RetryPolicy;
  /** Fresh downloads of a file after its digest did not match, before giving up. */
  checksumRetries: number;
  bytesPerSecond?: number;
  /** Stop with DISK_FULL before free space drops below this. */
  minFreeBytes: number;
  freeBytes: (dir: string) => Promise<number>;
  random: () => number;
}

export const DEFAULT_TUNING: DownloadTuning = {
  concurrency: 6,
  segmentBytes: 64 * 1024 * 1024,
  stallMs: 30_000,
  journalIntervalMs: 5_000,
  liveJournalIntervalMs: 250,
  progressIntervalMs: 250,
  retry: DEFAULT_RETRY,
  checksumRetries: 2,
  minFreeBytes: 1024 ** 3,
  freeBytes,
  random: Math.random,
};

export interface DownloadProgress {
  bytesDone: number;
  bytesTotal: number;
  bytesPerSecond: number;
  etaSeconds?: number;
  filesDone: number;
  filesTotal: number;
  /** Files with a transfer in flight. */
  activeFiles: string[];
}

export interface DownloadStats {
  /** Bytes received from the network by this job. */
  receivedBytes: number;
  /** Bytes hashed straight from memory, and bytes read back (out-of-order segments, resumed prefixes). */
  hashedLive: number;
  hashedReadBack: number;
  retries: number;
  checksumFailures: number;
}

export interface DownloadInput {
  journal: Journal;
  /** Files are written under `<stagingDir>/checkpoint/`; the journal lives in `stagingDir`. */
  stagingDir: string;
  urlFor: (file: JournalFile) => URL;
  headers: Record<string, string>;
  hasher: HashWorker;
  tuning: DownloadTuning;
  onProgress?: (progress: DownloadProgress) => void;
}

interface FileState {
  entry: JournalFile;
  part: string;
  final: string;
  frontier: HashFrontier;
  handle?: Promise<FileHandle>;
  active: Set<number>;
  failures: number[];
  checksumFailures: number;
  finalizing: boolean;
}

/** Progress of at least this much resets a segment's failure count: a flaky link that still moves data continues. */
const USEFUL_PROGRESS = 1024 * 1024;

export class DownloadJob {
  private state: 'idle' | 'running' | 'paused' | 'settled' = 'idle';
  private abort = new AbortController();
  private readonly files: FileState[] = [];
  private readonly limiter: RateLimiter;
  private readonly meter = new SpeedMeter();
  private active = 0;
  private idleWaiters: (() => void)[] = [];
  private timers: NodeJS.Timeout[] = [];
  private commits: Promise<void> = Promise.resolve();
  private liveWriting = false;
  private settle!: { resolve: (stats: DownloadStats) => void; reject: (error: unknown) => void };
  private readonly finished: Promise<DownloadStats>;
  readonly stats: DownloadStats = { receivedBytes: 0, hashedLive: 0, hashedReadBack: 0, retries: 0, checksumFailures: 0 };

  constructor(private readonly input: DownloadInput) {
    this.limiter = new RateLimiter(input.tuning.bytesPerSecond);
    this.finished = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    this.finished.catch(() => undefined);
  }

  /** Resolves when every file is verified under its final name; rejects with a ModelError otherwise. */
  async run(): Promise<DownloadStats> {
    if (this.state !== 'idle') return this.finished;
    this.state = 'running';
    try {
      await this.prepare();
    } catch (error) {
      this.fail(error);
      return this.finished;
    }
    // Paused or cancelled while preparing: resume() (or nothing) takes it from here.
    if (this.state !== 'running') return this.finished;
    this.startTimers();
    this.pump();
    this.finishIfDone();
    return this.finished;
  }

  /** Stops every transfer and commits the journal; `resume()` continues from there. */
  async pause(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'paused';
    this.abort.abort();
    this.stopTimers();
    await this.whenIdle();
    await this.closeHandles();
    await this.commit().catch(() => undefined);
  }

  resume(): void {
    if (this.state !== 'paused') return;
    this.abort = new AbortController();
    this.state = 'running';
    this.startTimers();
    this.pump();
    this.finishIfDone();
  }

  /** Stops for good; the caller removes the staging folder. */
  async cancel(): Promise<void> {
    if (this.state === 'settled') return;
    const wasRunning = this.state !== 'idle';
    this.state = 'settled';
    this.abort.abort();
    this.stopTimers();
    if (wasRunning) await this.whenIdle();
    await this.closeHandles();
    this.settle.reject(new ModelError('CANCELLED', `The download of ${this.input.journal.repo} was cancelled`));
  }

  setRate(bytesPerSecond: number | undefined): void {
    this.limiter.setRate(bytesPerSecond);
  }

  progress(): DownloadProgress {
    const entries = this.input.journal.files;
    const total = entries.reduce((sum, f) => sum + f.size, 0);
    const done = entries.reduce((sum, f) => sum + bytesDone(f), 0);
    const speed = this.meter.bytesPerSecond();
    return {
      bytesDone: done,
      bytesTotal: total,
      bytesPerSecond: speed,
      etaSeconds: etaSeconds(total - done, speed),
      filesDone: entries.filter((f) => f.verified).length,
      filesTotal: entries.length,
      activeFiles: this.files.filter((f) => f.active.size > 0).map((f) => f.entry.path),
    };
  }

  private async prepare(): Promise<void> {
    const { journal, stagingDir, hasher, tuning } = this.input;
    const root = path.join(stagingDir, 'checkpoint');
    for (const entry of journal.files.filter((f) => !f.verified)) {
      const part = path.join(root, safeRepoPath(partName(entry)));
      const onDisk = (await stat(part).catch(() => undefined))?.size ?? 0;
      const count = segmentCount(entry.size, journal.segmentBytes);
      entry.done = Array.from({ length: count }, (_, i) =>
        Math.min(entry.done[i] ?? 0, segmentLength(i, entry.size, journal.segmentBytes), Math.max(0, onDisk - segmentStart(i, journal.segmentBytes))),
      );
      const frontier = new HashFrontier(hasher, entry, part, journal.segmentBytes);
      frontier.start();
      this.files.push({ entry, part, final: path.join(root, safeRepoPath(entry.path)), frontier, active: new Set(), failures: new Array(count).fill(0), checksumFailures: 0, finalizing: false });
    }
    const missing = this.files.reduce((sum, f) => sum + f.entry.size - bytesDone(f.entry), 0);
    const free = await tuning.freeBytes(stagingDir);
    if (free - missing < tuning.minFreeBytes) {
      throw new ModelError(
        'DISK_FULL',
        `${journal.repo} needs ${formatGB(missing)} more in ${stagingDir}, and only ${formatGB(free)} is free`,
        `Free at least ${formatGB(missing + tuning.minFreeBytes - free)} there, or choose another data folder (--home), then run the same pull again.`,
      );
    }
  }

  private pump(): void {
    while (this.state === 'running' && this.active < this.input.tuning.concurrency) {
      const work = this.pick();
      if (!work) return;
      this.active++;
      void this.lane(work.file, work.index).finally(() => {
        this.active--;
        if (this.active === 0) for (const wake of this.idleWaiters.splice(0)) wake();
        this.pump();
        this.finishIfDone();
      });
    }
  }

  /**
   * A complete file's verification first; then a segment, spreading transfers over files before segments of one file
   * (so hashing stays in order and live).
   */
  private pick(): { file: FileState; index: number | 'verify' } | undefined {
    const { segmentBytes } = this.input.journal;
    const pending = this.files.filter((f) => !f.entry.verified && !f.finalizing);
    const complete = pending.find((f) => f.active.size === 0 && f.entry.done.every((d, i) => d === segmentLength(i, f.entry.size, segmentBytes)));
    if (complete) return { file: complete, index: 'verify' };
    const open = pending
      .map((f) => ({ file: f, index: f.entry.done.findIndex((d, i) => !f.active.has(i) && d < segmentLength(i, f.entry.size, segmentBytes)) }))
      .filter((w) => w.index >= 0);
    open.sort((a, b) => a.file.active.size - b.file.active.size);
    return open[0];
  }

  private async lane(file: FileState, index: number | 'verify'): Promise<void> {
    if (index === 'verify') return this.finalize(file);
    const { journal, tuning } = this.input;
    const { entry } = file;
    const start = segmentStart(index, journal.segmentBytes);
    const end = start + segmentLength(index, entry.size, journal.segmentBytes);
    const before = entry.done[index];
    file.active.add(index);
    try {
      await fetchRange({
        url: this.input.urlFor(entry),
        headers: this.input.headers,
        from: start + before,
        end,
        size: entry.size,
        file: await this.handle(file),
        signal: this.abort.signal,
        stallMs: tuning.stallMs,
        limiter: this.limiter,
        onWritten: (offset, chunk) => {
          entry.done[index] += chunk.length;
          this.stats.receivedBytes += chunk.length;
          this.meter.add(chunk.length);
          file.frontier.written(offset, chunk);
        },
      });
      file.failures[index] = 0;
    } catch (error) {
      if (this.state !== 'running') return;
      const fatal = this.fatalError(error, entry);
      if (fatal) return this.fail(fatal);
      this.stats.retries++;
      file.failures[index] = entry.done[index] - before >= USEFUL_PROGRESS ? 1 : file.failures[index] + 1;
      if (file.failures[index] >= tuning.retry.attempts) {
        return this.fail(
          new ModelError(
            'DOWNLOAD_FAILED',
            `${entry.path} of ${journal.repo} kept failing (${file.failures[index]} tries without progress; last: ${(error as Error).message})`,
            isUnreachable(error)
              ? `Check the network connection, or set --endpoint / HF_ENDPOINT to a reachable mirror; the ${formatGB(this.progress().bytesDone)} already fetched are kept.`
              : `Run the same pull again later to resume; the ${formatGB(this.progress().bytesDone)} already fetched are kept.`,
          ),
        );
      }
      await sleep(backoffMs(tuning.retry, file.failures[index], tuning.random), this.abort.signal).catch(() => undefined);
      return;
    } finally {
      file.active.delete(index);
    }
  }

  private async finalize(file: FileState): Promise<void> {
    const { entry } = file;
    file.finalizing = true;
    try {
      const hex = await file.frontier.digest();
      this.stats.hashedLive += file.frontier.counts.live;
      this.stats.hashedReadBack += file.frontier.counts.readBack;
      file.frontier.counts.live = file.frontier.counts.readBack = 0;
      const handle = await this.handle(file);
      if (digestMatches(entry.digest, hex)) {
        await handle.truncate(entry.size);
        await handle.sync();
        await this.closeHandle(file);
        await mkdir(path.dirname(file.final), { recursive: true });
        await rename(file.part, file.final);
        const done = await stat(file.final);
        entry.verified = { size: done.size, mtimeMs: done.mtimeMs };
        await this.commit();
        return;
      }
      this.stats.checksumFailures++;
      file.checksumFailures++;
      entry.done.fill(0);
      await handle.truncate(0);
      file.frontier.reset();
      await this.commit();
      if (file.checksumFailures > this.input.tuning.checksumRetries) {
        this.fail(
          new ModelError(
            'CHECKSUM_MISMATCH',
            `${entry.path} of ${this.input.journal.repo} did not match its ${entry.digest.algorithm} ${entry.digest.hex.slice(0, 12)}… in ${file.checksumFailures} downloads`,
            'Something between here and the Hub alters the file (a proxy or a faulty mirror?): try another network or --endpoint.',
          ),
        );
      }
    } catch (error) {
      this.fail(this.fatalError(error, entry) ?? error);
    } finally {
      file.finalizing = false;
    }
  }

  private fatalError(error: unknown, entry: JournalFile): ModelError | undefined {
    if (error instanceof ModelError) return error;
    const known = hubError(error, parseRepoId(this.input.journal.repo), `${entry.path} of ${this.input.journal.repo}`);
    if (known) return known;
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOSPC') {
      return new ModelError('DISK_FULL', `The disk holding ${this.input.stagingDir} is full`, 'Free some space, then run the same pull again: what was fetched is kept.');
    }
    if (isTransient(error)) return undefined;
    return new ModelError('DOWNLOAD_FAILED', `${entry.path} of ${this.input.journal.repo}: ${(error as Error).message}`, 'Run the same pull again to resume.');
  }

  private handle(file: FileState): Promise<FileHandle> {
    file.handle ??= mkdir(path.dirname(file.part), { recursive: true }).then(() => open(file.part, constants.O_RDWR | constants.O_CREAT));
    return file.handle;
  }

  private async closeHandle(file: FileState): Promise<void> {
    const handle = file.handle;
    file.handle = undefined;
    await (await handle)?.close();
  }

  private async closeHandles(): Promise<void> {
    await Promise.all(this.files.map((f) => this.closeHandle(f).catch(() => undefined)));
  }

  /** Syncs the part files, then records what they hold; one commit at a time, in order. */
  private commit(): Promise<void> {
    const next = this.commits.then(async () => {
      const snapshot = structuredClone(this.input.journal);
      const handles = await Promise.all(this.files.map((f) => f.handle).filter((h) => h !== undefined));
      // A handle closed meanwhile was synced by whoever closed it.
      await Promise.all(handles.map((h) => h.datasync().catch((error) => (h.fd === -1 ? undefined : Promise.reject(error)))));
      await writeJournal(this.input.stagingDir, snapshot);
    });
    this.commits = next.catch(() => undefined);
    return next;
  }

  private async liveCheckpoint(): Promise<void> {
    if (this.state !== 'running' || this.liveWriting) return;
    this.liveWriting = true;
    try {
      await writeLiveJournal(this.input.stagingDir, structuredClone(this.input.journal));
    } catch (error) {
      this.fail(this.fatalError(error, this.input.journal.files[0]) ?? error);
    } finally {
      this.liveWriting = false;
    }
  }

  private async checkpoint(): Promise<void> {
    if (this.state !== 'running') return;
    try {
      await this.commit();
      const free = await this.input.tuning.freeBytes(this.input.stagingDir);
      if (free < this.input.tuning.minFreeBytes) {
        this.fail(
          new ModelError(
            'DISK_FULL',
            `Free space in ${this.input.stagingDir} fell to ${formatGB(free)} while downloading ${this.input.journal.repo}`,
            'Free some space, then run the same pull again: what was fetched is kept.',
          ),
        );
      }
    } catch (error) {
      this.fail(this.fatalError(error, this.input.journal.files[0]) ?? error);
    }
  }

  private finishIfDone(): void {
    if (this.state !== 'running' || this.active > 0 || !this.input.journal.files.every((f) => f.verified)) return;
    this.state = 'settled';
    this.stopTimers();
    this.input.onProgress?.(this.progress());
    void this.commit().then(
      () => this.settle.resolve(this.stats),
      (error) => this.settle.reject(this.fatalError(error, this.input.journal.files[0]) ?? error),
    );
  }

  private fail(error: unknown): void {
    if (this.state === 'settled') return;
    this.state = 'settled';
    this.abort.abort();
    this.stopTimers();
    void (async () => {
      await this.whenIdle();
      await this.closeHandles();
      await this.commit().catch(() => undefined);
      this.settle.reject(error);
    })();
  }

  private startTimers(): void {
    const { tuning } = this.input;
    this.timers = [
      setInterval(() => void this.checkpoint(), tuning.journalIntervalMs),
      setInterval(() => void this.liveCheckpoint(), tuning.liveJournalIntervalMs),
      setInterval(() => this.input.onProgress?.(this.progress()), tuning.progressIntervalMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  private stopTimers(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  private whenIdle(): Promise<void> {
    return this.active === 0 ? Promise.resolve() : new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
