/**
 * Quantisation on every core: a pool of worker threads (quantizeWorker.ts) that quantise blocks of rows while the
 * builder's own thread reads ahead and writes the results in order (RowQuantiser). Quantising is what bounds an int4
 * build (the clip search and scale refit of every block: ~50 MB/s of bf16 on one thread), so the real checkpoint
 * converts in about 1/threads of the time. A block's bytes, as the checkpoint stores them, move to its worker, which
 * widens and quantises them, and the results move back, never copied: the builder's thread only reads and writes.
 *
 * Memory: the read-ahead holds at most `inFlight` = 2 blocks per worker, so each worker has the next block waiting when
 * it finishes one; the slab a tensor is read in shrinks with the thread count so that those blocks together hold no
 * more than IN_FLIGHT_BYTES once widened (an expert's matrix, 12 MiB at the real widths, is one block whatever the
 * slab).
 *
 * Any failure — an exception in the quantiser, a worker that throws or stops — fails every block still pending with
 * a BUILD_FAILED naming its tensor, and later blocks at once; `close` stops every worker and resolves once they
 * have exited.
 */
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { OmniError } from '../errors';
import type { QuantisedRows, Quantisers, RowsJob } from './quantize';
import { SLAB_BYTES } from './weights';

/** fp32 bytes of the blocks in flight, all workers together: two of the single-threaded builder's slabs. */
export const IN_FLIGHT_BYTES = 2 * SLAB_BYTES;

/** Every core but one, which is left to the user (the build runs while they may keep chatting) and to reading. */
export const defaultThreads = (): number => Math.max(1, os.availableParallelism() - 1);

/**
 * The worker's module, beside this one: the TypeScript source where the sources run through tsx (CLI, tests,
 * benchmarks), the `quantizeWorker` entry electron-vite bundles beside the builder's (out/main/) in the app.
 */
const here = fileURLToPath(import.meta.url);
const WORKER_ENTRY = path.join(path.dirname(here), here.endsWith('.ts') ? 'quantizeWorker.ts' : 'quantizeWorker.js');

/** The one esbuild call used here (esbuild's own types are not a dependency of this package). */
interface Esbuild {
  build(options: { entryPoints: string[]; bundle: true; platform: 'node'; format: 'cjs'; write: false; logLevel: 'silent' }): Promise<{ outputFiles: { text: string }[] }>;
}

/** Each TypeScript entry's code, bundled once per process. */
const bundled = new Map<string, Promise<string>>();

/**
 * A TypeScript entry as one CommonJS script, bundled by the esbuild tsx runs on. A worker inherits neither the ESM
 * hooks tsx registers in its parent (`node --import tsx`, the CLI's `register()`) nor vitest's transform, and tsx
 * registered inside each worker would leave an esbuild process behind per worker (terminating the worker does not
 * stop it); this way the one esbuild service of this process does it, once.
 */
function bundledSource(entry: string): Promise<string> {
  let source = bundled.get(entry);
  if (!source) {
    const esbuild = createRequire(createRequire(import.meta.url).resolve('tsx/cjs/api'))('esbuild') as Esbuild;
    source = esbuild.build({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', write: false, logLevel: 'silent' }).then((out) => out.outputFiles[0].text);
    bundled.set(entry, source);
  }
  return source;
}

interface Task {
  job: RowsJob;
  resolve: (result: QuantisedRows) => void;
  reject: (error: Error) => void;
}

type Reply = QuantisedRows | { error: string } | { ready: true };

export interface PoolOptions {
  /** The worker module (tests substitute one that fails). */
  entry?: string;
  /** fp32 bytes of the blocks in flight, all workers together (default IN_FLIGHT_BYTES). */
  inFlightBytes?: number;
}

export class QuantisePool implements Quantisers {
  /** Starts `threads` workers on `entry` (quantizeWorker: its TypeScript source bundled first where that is what runs). */
  static async start(threads: number, options: PoolOptions = {}): Promise<QuantisePool> {
    const entry = options.entry ?? WORKER_ENTRY;
    const source = entry.endsWith('.ts') ? await bundledSource(entry) : undefined;
    const pool = new QuantisePool(threads, () => (source === undefined ? new Worker(entry) : new Worker(source, { eval: true })), options);
    try {
      await pool.started;
    } catch (error) {
      await pool.close();
      throw error;
    }
    return pool;
  }

  readonly inFlight: number;
  readonly slabBytes: number;
  readonly values = 'stored';
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly running = new Map<Worker, Task>();
  private readonly queue: Task[] = [];
  /** Set once the pool cannot quantise any more: a worker failed, or the pool was closed. */
  private stopped?: string;
  /** Every worker has loaded its module; rejected with the reason one could not (a packaging fault, say). */
  private readonly started: Promise<void>;
  private onStarted: { ready: number; resolve: () => void; reject: (error: Error) => void } | undefined;

  private constructor(threads: number, startWorker: () => Worker, { inFlightBytes = IN_FLIGHT_BYTES }: PoolOptions) {
    if (!Number.isSafeInteger(threads) || threads < 1) throw new Error(`QuantisePool: ${threads} threads (a positive whole number expected)`);
    this.started = new Promise((resolve, reject) => (this.onStarted = { ready: 0, resolve, reject }));
    this.inFlight = 2 * threads;
    this.slabBytes = Math.min(SLAB_BYTES, Math.floor(inFlightBytes / this.inFlight));
    for (let i = 0; i < threads; i++) {
      const worker = startWorker();
      worker.on('message', (reply: Reply) => this.answered(worker, reply));
      worker.on('error', (error) => this.fail(`a quantisation worker failed: ${error.message}`));
      worker.on('exit', (code) => this.fail(`a quantisation worker stopped (exit code ${code})`));
      this.workers.push(worker);
      this.idle.push(worker);
    }
  }

  quantise(job: RowsJob): Promise<QuantisedRows> {
    if (this.stopped) return Promise.reject(failure(job, this.stopped));
    return new Promise((resolve, reject) => {
      this.queue.push({ job, resolve, reject });
      this.dispatch();
    });
  }

  /** Stops every worker; resolves once all have exited. Blocks still pending fail. */
  async close(): Promise<void> {
    this.fail('the quantisation pool was closed');
    await Promise.all(this.workers.map((worker) => worker.terminate()));
  }

  private dispatch(): void {
    while (this.idle.length > 0 && this.queue.length > 0) {
      const worker = this.idle.pop() as Worker;
      const task = this.queue.shift() as Task;
      this.running.set(worker, task);
      // Only a buffer the block has to itself can move; a view into a larger one (a test's subarray) is copied.
      const { bytes } = task.job.rows;
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice();
      worker.postMessage({ ...task.job, rows: { ...task.job.rows, bytes: own } }, [own.buffer as ArrayBuffer]);
    }
  }

  private answered(worker: Worker, reply: Reply): void {
    if ('ready' in reply) {
      if (this.onStarted && ++this.onStarted.ready === this.workers.length) this.onStarted.resolve();
      return;
    }
    const task = this.running.get(worker);
    if (!task) return;
    this.running.delete(worker);
    this.idle.push(worker);
    if ('error' in reply) task.reject(failure(task.job, reply.error));
    else task.resolve(reply);
    this.dispatch();
  }

  private fail(reason: string): void {
    if (this.stopped) return;
    this.stopped = reason;
    this.onStarted?.reject(new OmniError('BUILD_FAILED', `the quantisation workers could not start: ${reason}`));
    for (const task of [...this.running.values(), ...this.queue]) task.reject(failure(task.job, reason));
    this.running.clear();
    this.queue.length = 0;
    this.idle.length = 0;
    for (const worker of this.workers) void worker.terminate();
  }
}

const failure = (job: RowsJob, reason: string) => new OmniError('BUILD_FAILED', `quantising ${job.tensor} failed: ${reason}`);
