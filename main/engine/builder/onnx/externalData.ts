/**
 * Appends initializer bytes to a graph's `.onnx.data` file at aligned offsets, with positional writes so no
 * buffer ever holds more than one tensor, and records where each went. Offsets are aligned to 64 KiB so ONNX
 * Runtime can memory-map the weights on every OS (Windows' mapping granularity is 64 KiB). With `maxFileBytes`
 * the data rolls over to `X.onnx.data_1`, `_2`, … so no file outgrows what copy/hash steps handle comfortably
 * (onnx-bundle.md §7: ≤ 4 GB); ORT resolves each tensor's own `location`.
 */
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { OmniError } from '../../errors';

export const DATA_ALIGNMENT = 64 * 1024;

export interface ExternalLocation {
  /** Bare file name, resolved by ORT relative to the .onnx file. */
  location: string;
  offset: number;
  length: number;
}

/** Where initializer bytes go: the data file writer, or a wrapper around it (tests inject failures here). */
export interface DataSink {
  append(bytes: Uint8Array): Promise<ExternalLocation>;
  close(): Promise<void>;
  /** Every data file written so far, in order. */
  readonly files: readonly string[];
}

export interface DataWriterOptions {
  /** Start a new file rather than grow one past this size (a single larger tensor still gets a file of its own). */
  maxFileBytes?: number;
}

export class ExternalDataWriter implements DataSink {
  private handle?: FileHandle;
  private size = 0;
  private readonly written: string[] = [];

  private constructor(
    private readonly base: string,
    private readonly maxFileBytes: number,
  ) {}

  static async create(file: string, options: DataWriterOptions = {}): Promise<ExternalDataWriter> {
    const writer = new ExternalDataWriter(file, options.maxFileBytes ?? Infinity);
    await writer.openNext();
    return writer;
  }

  get files(): readonly string[] {
    return this.written;
  }

  /** Bytes in the current file (including alignment gaps). */
  get bytesWritten(): number {
    return this.size;
  }

  private get file(): string {
    return this.written[this.written.length - 1];
  }

  private async openNext(): Promise<void> {
    const file = this.written.length === 0 ? this.base : `${this.base}_${this.written.length}`;
    this.handle = await open(file, 'w').catch((error: NodeJS.ErrnoException) => {
      throw writeError(file, error);
    });
    this.written.push(file);
    this.size = 0;
  }

  async append(bytes: Uint8Array): Promise<ExternalLocation> {
    if (!this.handle) throw new Error(`${this.file}: writer is closed`);
    let offset = Math.ceil(this.size / DATA_ALIGNMENT) * DATA_ALIGNMENT;
    if (this.size > 0 && offset + bytes.byteLength > this.maxFileBytes) {
      await this.close();
      await this.openNext();
      offset = 0;
    }
    const handle = this.handle as FileHandle;
    try {
      let written = 0;
      while (written < bytes.byteLength) {
        const { bytesWritten } = await handle.write(bytes, written, bytes.byteLength - written, offset + written);
        written += bytesWritten;
      }
    } catch (error) {
      throw writeError(this.file, error as NodeJS.ErrnoException);
    }
    this.size = offset + bytes.byteLength;
    return { location: path.basename(this.file), offset, length: bytes.byteLength };
  }

  /** Flushes to disk before the graph that references the data is declared finished. */
  async close(): Promise<void> {
    if (!this.handle) return;
    const handle = this.handle;
    this.handle = undefined;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }
}

export function writeError(file: string, error: NodeJS.ErrnoException): OmniError {
  if (error.code === 'ENOSPC' || error.code === 'EDQUOT') {
    return new OmniError('DISK_FULL', `${file}: the disk is full`, `Free space on ${path.parse(path.resolve(file)).root} or build into another folder.`);
  }
  return new OmniError('INTERNAL', `${file}: write failed (${error.code ?? error.message})`);
}
