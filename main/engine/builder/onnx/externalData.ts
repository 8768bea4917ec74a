/**
 * Appends initializer bytes to a graph's `.onnx.data` file at aligned offsets, whole or as they are produced (a large
 * tensor a slab at a time, so no buffer ever holds all of it), and records where each went. Offsets are aligned to
 * 64 KiB so ONNX Runtime can memory-map the weights on every OS (Windows' mapping granularity is 64 KiB). With
 * `maxFileBytes` the data rolls over to `X.onnx.data_1`, `_2`, … so no file outgrows what copy/hash steps handle
 * comfortably (onnx-bundle.md §7: ≤ 4 GB); ORT resolves each tensor's own `location`. Each file's sha256 is computed
 * from the bytes as they go out (alignment gaps read back as zeros), so the manifest never needs to read gigabytes
 * back.
 */
import { createHash, type Hash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { OmniError } from '../../errors';

export const DATA_ALIGNMENT = 64 * 1024;

/** What an alignment gap hashes as: the hole a positional write leaves reads back as zeros. */
const GAP = new Uint8Array(DATA_ALIGNMENT);

export interface ExternalLocation {
  /** Bare file name, resolved by ORT relative to the .onnx file. */
  location: string;
  offset: number;
  length: number;
}

/** A finished data file: its path, size and the sha256 of its content. */
export interface WrittenFile {
  file: string;
  bytes: number;
  sha256: string;
}

/**
 * A tensor's bytes produced piece by piece (read, widened or quantised a slab at a time), so that no buffer ever
 * holds the whole of a large tensor. The pieces, in order, must add up to `byteLength`.
 */
export interface StreamedBytes {
  byteLength: number;
  chunks: AsyncIterable<Uint8Array>;
}

export type InitializerBytes = Uint8Array | StreamedBytes;

/** Where initializer bytes go: the data file writer, or a wrapper around it (tests inject failures here). */
export interface DataSink {
  append(data: InitializerBytes): Promise<ExternalLocation>;
  /** Flushes to disk; every data file written, in order. */
  close(): Promise<WrittenFile[]>;
}

export interface DataWriterOptions {
  /** Start a new file rather than grow one past this size (a single larger tensor still gets a file of its own). */
  maxFileBytes?: number;
}

interface OpenFile {
  file: string;
  handle: FileHandle;
  hash: Hash;
  /** Bytes so far, alignment gaps included. */
  size: number;
}

export class ExternalDataWriter implements DataSink {
  private current?: OpenFile;
  private readonly written: WrittenFile[] = [];

  private constructor(
    private readonly base: string,
    private readonly maxFileBytes: number,
  ) {}

  static async create(file: string, options: DataWriterOptions = {}): Promise<ExternalDataWriter> {
    const writer = new ExternalDataWriter(file, options.maxFileBytes ?? Infinity);
    await writer.openNext();
    return writer;
  }

  private async openNext(): Promise<void> {
    const file = this.written.length === 0 ? this.base : `${this.base}_${this.written.length}`;
    const handle = await open(file, 'w').catch((error: NodeJS.ErrnoException) => {
      throw writeError(file, error);
    });
    this.current = { file, handle, hash: createHash('sha256'), size: 0 };
  }

  async append(data: InitializerBytes): Promise<ExternalLocation> {
    if (!this.current) throw new Error(`${this.base}: writer is closed`);
    const { byteLength } = data;
    let offset = Math.ceil(this.current.size / DATA_ALIGNMENT) * DATA_ALIGNMENT;
    if (this.current.size > 0 && offset + byteLength > this.maxFileBytes) {
      await this.finishFile();
      await this.openNext();
      offset = 0;
    }
    const current = this.current as OpenFile;
    current.hash.update(GAP.subarray(0, offset - current.size));
    let written = 0;
    for await (const chunk of data instanceof Uint8Array ? [data] : data.chunks) {
      if (written + chunk.byteLength > byteLength) throw new Error(`${current.file}: a tensor announced as ${byteLength} bytes brought more`);
      await this.write(current, chunk, offset + written);
      written += chunk.byteLength;
    }
    if (written !== byteLength) throw new Error(`${current.file}: a tensor announced as ${byteLength} bytes brought ${written}`);
    current.size = offset + byteLength;
    return { location: path.basename(current.file), offset, length: byteLength };
  }

  /** Writes `bytes` at `position` and hashes them (the caller writes in file order). */
  private async write(current: OpenFile, bytes: Uint8Array, position: number): Promise<void> {
    try {
      let written = 0;
      while (written < bytes.byteLength) {
        const { bytesWritten } = await current.handle.write(bytes, written, bytes.byteLength - written, position + written);
        written += bytesWritten;
      }
    } catch (error) {
      throw writeError(current.file, error as NodeJS.ErrnoException);
    }
    current.hash.update(bytes);
  }

  /** Flushes to disk before the graph that references the data is declared finished. */
  async close(): Promise<WrittenFile[]> {
    if (this.current) await this.finishFile();
    return [...this.written];
  }

  private async finishFile(): Promise<void> {
    const { file, handle, hash, size } = this.current as OpenFile;
    this.current = undefined;
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    this.written.push({ file, bytes: size, sha256: hash.digest('hex') });
  }
}

export function writeError(file: string, error: NodeJS.ErrnoException): OmniError {
  if (error.code === 'ENOSPC' || error.code === 'EDQUOT') {
    return new OmniError('DISK_FULL', `${file}: the disk is full`, `Free space on ${path.parse(path.resolve(file)).root} or build into another folder.`);
  }
  return new OmniError('INTERNAL', `${file}: write failed (${error.code ?? error.message})`);
}
