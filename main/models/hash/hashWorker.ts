/**
 * SHA-256 (and git's blob SHA-1) off the main event loop.
 *
 * Why a worker holding native hashes, rather than a TypeScript SHA-256 whose state the journal could save: measured
 * on the development machine, a tight TypeScript SHA-256 runs at ~120 MB/s against ~1 370 MB/s for Node's native
 * one, so hashing a 100 MB/s download in TypeScript would take most of a core; native hashes cannot be serialised,
 * though, so a download resumed after a crash rehashes the prefix already on disk, once, here (≈ 4 s for a 5 GB shard
 * in progress) — every byte that arrives from the network is hashed as it streams in and never read back.
 * The same worker hashes segments that arrived out of order (read back from the page cache when the in-order frontier
 * reaches them) and verifies files found in a Hugging Face cache.
 *
 * The worker runs from source text (`eval`) so it needs no separate bundle entry in Electron and no loader in the
 * CLI; it is plain CommonJS and uses only node: built-ins.
 */
import { Worker } from 'node:worker_threads';

export interface Digest {
  /** `sha256` for LFS files (the Hub's `lfs.sha256`); `git-sha1` for small files (the Hub's `blobId`). */
  algorithm: 'sha256' | 'git-sha1';
  hex: string;
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const fs = require('node:fs');
const hashes = new Map();
const failures = new Map();
const piece = Buffer.allocUnsafe(4 << 20);
function readInto(hash, file, start, end) {
  const fd = fs.openSync(file, 'r');
  try {
    for (let at = start; at < end; ) {
      const n = fs.readSync(fd, piece, 0, Math.min(piece.length, end - at), at);
      if (n === 0) throw new Error(file + ' ends at ' + at + ', expected ' + end + ' bytes');
      hash.update(piece.subarray(0, n));
      at += n;
    }
  } finally {
    fs.closeSync(fd);
  }
}
parentPort.on('message', (m) => {
  try {
    if (m.type === 'open') {
      const hash = crypto.createHash(m.algorithm);
      if (m.prefix) hash.update(m.prefix);
      hashes.set(m.id, hash);
      failures.delete(m.id);
    } else if (m.type === 'data') {
      if (!failures.has(m.id)) hashes.get(m.id).update(new Uint8Array(m.buffer));
    } else if (m.type === 'file') {
      if (!failures.has(m.id)) readInto(hashes.get(m.id), m.path, m.start, m.end);
    } else if (m.type === 'digest') {
      const failure = failures.get(m.id);
      const hash = hashes.get(m.id);
      hashes.delete(m.id);
      failures.delete(m.id);
      parentPort.postMessage(failure ? { reply: m.reply, error: failure } : { reply: m.reply, hex: hash.digest('hex') });
    } else if (m.type === 'drop') {
      hashes.delete(m.id);
      failures.delete(m.id);
    }
  } catch (error) {
    failures.set(m.id, String(error && error.message || error));
  }
});
`;

type Reply = { reply: number; hex: string } | { reply: number; error: string };

export class HashWorker {
  private readonly worker = new Worker(WORKER_SOURCE, { eval: true });
  private readonly waiting = new Map<number, { resolve: (hex: string) => void; reject: (e: Error) => void }>();
  private nextId = 1;
  private failed: Error | undefined;

  constructor() {
    this.worker.on('message', (m: Reply) => {
      const waiter = this.waiting.get(m.reply);
      this.waiting.delete(m.reply);
      if (this.waiting.size === 0) this.worker.unref();
      if ('hex' in m) waiter?.resolve(m.hex);
      else waiter?.reject(new Error(m.error));
    });
    this.worker.on('error', (error) => this.fail(error));
    this.worker.on('exit', () => this.fail(new Error('the hashing worker stopped')));
    // Held (ref) only while an answer is awaited: an idle worker must not keep a paused CLI alive, and a process
    // waiting for a digest must not exit. Unref after the listeners, since attaching one refs the worker again.
    this.worker.unref();
  }

  /** Starts a hash of a file of `size` bytes; returns its handle. */
  open(algorithm: Digest['algorithm'], size: number): number {
    const id = this.nextId++;
    const prefix = algorithm === 'git-sha1' ? Buffer.from(`blob ${size}\0`) : undefined;
    this.worker.postMessage({ type: 'open', id, algorithm: algorithm === 'git-sha1' ? 'sha1' : 'sha256', prefix });
    return id;
  }

  /** Bytes that just arrived, in file order. They are copied so the caller may reuse its buffer. */
  data(id: number, chunk: Uint8Array): void {
    // Not chunk.slice(): on a Buffer that is a view, and transferring it would detach the socket's pool.
    const copy = new Uint8Array(chunk);
    this.worker.postMessage({ type: 'data', id, buffer: copy.buffer }, [copy.buffer]);
  }

  /** Bytes already on disk, in file order relative to the other calls for this handle. */
  file(id: number, path: string, start: number, end: number): void {
    if (end > start) this.worker.postMessage({ type: 'file', id, path, start, end });
  }

  digest(id: number): Promise<string> {
    if (this.failed) return Promise.reject(this.failed);
    const reply = this.nextId++;
    return new Promise((resolve, reject) => {
      if (this.waiting.size === 0) this.worker.ref();
      this.waiting.set(reply, { resolve, reject });
      this.worker.postMessage({ type: 'digest', id, reply });
    });
  }

  drop(id: number): void {
    this.worker.postMessage({ type: 'drop', id });
  }

  /** Hashes a whole file that is already on disk. */
  hashFile(path: string, algorithm: Digest['algorithm'], size: number): Promise<string> {
    const id = this.open(algorithm, size);
    this.file(id, path, 0, size);
    return this.digest(id);
  }

  async close(): Promise<void> {
    this.failed ??= new Error('the hashing worker was closed');
    await this.worker.terminate();
  }

  private fail(error: Error): void {
    this.failed ??= error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }
}

export const digestMatches = (expected: Digest, hex: string) => expected.hex.toLowerCase() === hex.toLowerCase();
