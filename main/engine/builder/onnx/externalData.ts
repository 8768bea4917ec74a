/**
 * Appends initializer bytes to a graph's `.onnx.data` file at aligned offsets, with positional writes so no
 * buffer ever holds more than one tensor, and records where each went. Offsets are aligned to 64 KiB so ONNX
 * Runtime can memory-map the weights on every OS (Windows' mapping granularity is 64 KiB).
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

export class ExternalDataWriter {
  private handle?: FileHandle;
  private size = 0;

  private constructor(readonly file: string) {}

  static async create(file: string): Promise<ExternalDataWriter> {
    const writer = new ExternalDataWriter(file);
    writer.handle = await open(file, 'w').catch((error: NodeJS.ErrnoException) => {
      throw writeError(file, error);
    });
    return writer;
  }

  get bytesWritten(): number {
    return this.size;
  }

  async append(bytes: Uint8Array): Promise<ExternalLocation> {
    if (!this.handle) throw new Error(`${this.file}: writer is closed`);
    const offset = Math.ceil(this.size / DATA_ALIGNMENT) * DATA_ALIGNMENT;
    try {
      let written = 0;
      while (written < bytes.byteLength) {
        const { bytesWritten } = await this.handle.write(bytes, written, bytes.byteLength - written, offset + written);
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
