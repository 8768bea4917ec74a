/**
 * Feeds one file's bytes to its hash in file order although segments arrive in parallel. Bytes that land exactly at
 * the frontier (everything before them already hashed) go to the hash from memory as they arrive — the usual case,
 * since the scheduler spreads lanes over different files first. Bytes that land ahead of the frontier are only
 * written; when the frontier reaches them it asks the worker to read them back (from the page cache, as they were
 * just written). On resume the frontier starts at 0 and so rehashes, once, the prefix the journal says is on disk.
 */
import type { HashWorker } from '../hash/hashWorker';
import { segmentLength, segmentStart, type JournalFile } from './journal';

export class HashFrontier {
  private id: number;
  private at = 0;
  /** Bytes hashed from memory as they arrived, and bytes read back from disk. */
  readonly counts = { live: 0, readBack: 0 };

  constructor(
    private readonly worker: HashWorker,
    private readonly file: JournalFile,
    private readonly partPath: string,
    private readonly segmentBytes: number,
  ) {
    this.id = worker.open(file.digest.algorithm, file.size);
  }

  /** Catches up with whatever the journal says is already on disk. */
  start(): void {
    this.catchUp();
  }

  /** A chunk at `offset` was written and counted in `file.done`. */
  written(offset: number, chunk: Uint8Array): void {
    if (offset !== this.at) return;
    this.worker.data(this.id, chunk);
    this.at += chunk.length;
    this.counts.live += chunk.length;
    this.catchUp();
  }

  /** The hex digest, once every byte has been fed. */
  digest(): Promise<string> {
    if (this.at !== this.file.size) return Promise.reject(new Error(`${this.file.path}: hashed ${this.at} of ${this.file.size} bytes`));
    return this.worker.digest(this.id);
  }

  /** Forgets everything hashed, for a file that is fetched again from scratch. */
  reset(): void {
    this.worker.drop(this.id);
    this.id = this.worker.open(this.file.digest.algorithm, this.file.size);
    this.at = 0;
  }

  private catchUp(): void {
    while (this.at < this.file.size) {
      const index = Math.floor(this.at / this.segmentBytes);
      const start = segmentStart(index, this.segmentBytes);
      const writtenEnd = start + this.file.done[index];
      if (writtenEnd <= this.at) return;
      this.worker.file(this.id, this.partPath, this.at, writtenEnd);
      this.counts.readBack += writtenEnd - this.at;
      this.at = writtenEnd;
      if (writtenEnd < start + segmentLength(index, this.file.size, this.segmentBytes)) return;
    }
  }
}
