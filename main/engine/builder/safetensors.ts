/**
 * Reads a Hugging Face snapshot's safetensors, sharded (with `model.safetensors.index.json`) or not, one tensor
 * at a time: the builder never holds more than the tensor (or expert stack) it is converting, so memory stays
 * flat whatever the checkpoint size. Format: u64 LE header length, a JSON header `{name: {dtype, shape,
 * data_offsets: [begin, end]}}` (offsets relative to the end of the header), then the raw little-endian data.
 */
import { open, readdir, readFile, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { OmniError } from '../errors';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

export const DTYPE_BYTES: Record<SafetensorsDtype, number> = {
  F64: 8, I64: 8, F32: 4, I32: 4, F16: 2, BF16: 2, I16: 2, I8: 1, U8: 1, BOOL: 1,
};

export interface TensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  file: string;
  /** Absolute byte offset of the data in `file`. */
  offset: number;
  byteLength: number;
}

/** Largest header we accept: the real 15-shard checkpoint's headers are well under 1 MB each. */
const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const corrupt = (file: string, problem: string) =>
  new OmniError('CHECKPOINT_INVALID', `${file}: ${problem}`, 'Download the checkpoint again; the file is damaged or incomplete.');

export async function readSafetensorsHeader(file: string): Promise<TensorInfo[]> {
  const handle = await open(file, 'r').catch((error: NodeJS.ErrnoException) => {
    throw new OmniError('MODEL_NOT_INSTALLED', `${file}: cannot open (${error.code ?? error.message})`);
  });
  try {
    const { size } = await handle.stat();
    if (size < 8) throw corrupt(file, `is ${size} bytes, too short for a safetensors header`);
    const lengthBytes = Buffer.alloc(8);
    await handle.read(lengthBytes, 0, 8, 0);
    const headerLength = Number(lengthBytes.readBigUInt64LE(0));
    if (headerLength > MAX_HEADER_BYTES || 8 + headerLength > size) {
      throw corrupt(file, `header length ${headerLength} does not fit in a ${size}-byte file`);
    }
    const headerBytes = Buffer.alloc(headerLength);
    await handle.read(headerBytes, 0, headerLength, 8);
    let header: Record<string, unknown>;
    try {
      header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
    } catch {
      throw corrupt(file, 'header is not valid JSON');
    }
    const dataStart = 8 + headerLength;
    const tensors: TensorInfo[] = [];
    for (const [name, raw] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const entry = raw as { dtype?: string; shape?: unknown; data_offsets?: unknown };
      if (!entry.dtype || !(entry.dtype in DTYPE_BYTES)) throw corrupt(file, `tensor ${name}: unsupported dtype ${entry.dtype}`);
      const dtype = entry.dtype as SafetensorsDtype;
      const shape = entry.shape;
      const offsets = entry.data_offsets;
      if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
        throw corrupt(file, `tensor ${name}: malformed shape`);
      }
      if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
        throw corrupt(file, `tensor ${name}: malformed data_offsets`);
      }
      const [begin, end] = offsets as [number, number];
      const expected = (shape as number[]).reduce((a, b) => a * b, 1) * DTYPE_BYTES[dtype];
      if (end - begin !== expected) {
        throw corrupt(file, `tensor ${name}: ${end - begin} bytes stored for shape [${shape.join(', ')}] ${dtype} (${expected} expected)`);
      }
      if (dataStart + end > size) {
        throw corrupt(file, `tensor ${name} ends at byte ${dataStart + end} but the file has ${size} bytes (truncated download?)`);
      }
      tensors.push({ name, dtype, shape: shape as number[], file, offset: dataStart + begin, byteLength: expected });
    }
    return tensors;
  } finally {
    await handle.close();
  }
}

/** Every tensor of a snapshot, by name. Shards come from the index when present, else every *.safetensors file. */
export async function openCheckpoint(dir: string): Promise<Map<string, TensorInfo>> {
  const indexFile = path.join(dir, 'model.safetensors.index.json');
  let shards: string[];
  let weightMap: Record<string, string> | undefined;
  if (await stat(indexFile).then(() => true, () => false)) {
    try {
      weightMap = (JSON.parse(await readFile(indexFile, 'utf8')) as { weight_map: Record<string, string> }).weight_map;
    } catch {
      throw corrupt(indexFile, 'is not valid JSON with a weight_map');
    }
    if (!weightMap || typeof weightMap !== 'object') throw corrupt(indexFile, 'has no weight_map');
    shards = [...new Set(Object.values(weightMap))].sort();
    const missing = [];
    for (const shard of shards) if (!(await stat(path.join(dir, shard)).then(() => true, () => false))) missing.push(shard);
    if (missing.length > 0) {
      throw new OmniError(
        'MODEL_NOT_INSTALLED',
        `${dir}: ${missing.length} shard(s) listed in model.safetensors.index.json are missing: ${missing.slice(0, 5).join(', ')}`,
        'Finish the download (omnidesk pull resumes it) or point to a complete snapshot.',
      );
    }
  } else {
    shards = (await readdir(dir)).filter((f) => f.endsWith('.safetensors')).sort();
    if (shards.length === 0) throw new OmniError('MODEL_NOT_INSTALLED', `${dir}: no *.safetensors files`);
  }
  const tensors = new Map<string, TensorInfo>();
  for (const shard of shards) {
    for (const tensor of await readSafetensorsHeader(path.join(dir, shard))) {
      if (tensors.has(tensor.name)) throw corrupt(path.join(dir, shard), `tensor ${tensor.name} is stored twice`);
      tensors.set(tensor.name, tensor);
    }
  }
  if (weightMap) {
    const unlisted = Object.keys(weightMap).filter((name) => !tensors.has(name));
    if (unlisted.length > 0) throw corrupt(indexFile, `lists ${unlisted.length} tensor(s) no shard holds, e.g. ${unlisted[0]}`);
  }
  return tensors;
}

/** A handle on a shard for one read, and what to call once that read is done with it. */
export interface ShardLease {
  handle: FileHandle;
  done: () => Promise<void>;
}

/** Where reads get their shard's file handle. */
export interface ShardAccess {
  open(file: string): Promise<ShardLease>;
}

/** Each read opens its shard and closes it after: for readers that have no end to close shards at (tests, one-offs). */
export const OPEN_PER_READ: ShardAccess = {
  async open(file) {
    const handle = await open(file, 'r');
    return { handle, done: () => handle.close() };
  },
};

/**
 * One handle per shard, opened at its first read and kept until `close`: a build reads thousands of slabs from a
 * few shards, and opening and closing a shard per read cost its thread about 0.35 s of the bench thinker's build.
 */
export class ShardFiles implements ShardAccess {
  private readonly handles = new Map<string, Promise<FileHandle>>();
  private closed = false;

  async open(file: string): Promise<ShardLease> {
    if (this.closed) throw new Error(`${file}: read after the checkpoint's shards were closed`);
    let handle = this.handles.get(file);
    if (!handle) {
      handle = open(file, 'r');
      this.handles.set(file, handle);
    }
    return { handle: await handle, done: async () => {} };
  }

  /** Closes every shard opened (a close waits for reads still running on it); later reads fail. */
  async close(): Promise<void> {
    this.closed = true;
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map((handle) => handle.then((h) => h.close(), () => {})));
  }
}

/** Reads one tensor's bytes as stored (little-endian, the checkpoint's own dtype). */
export async function readTensorBytes(info: TensorInfo): Promise<Uint8Array> {
  const { handle, done } = await OPEN_PER_READ.open(info.file);
  try {
    const bytes = Buffer.alloc(info.byteLength);
    await readFully(handle, info, bytes, 0);
    return bytes;
  } finally {
    await done();
  }
}

/** Fills `into` from the tensor's bytes at `start` (relative to the tensor). */
async function readFully(handle: FileHandle, info: TensorInfo, into: Uint8Array, start: number): Promise<void> {
  let done = 0;
  while (done < into.byteLength) {
    const { bytesRead } = await handle.read(into, done, into.byteLength - done, info.offset + start + done);
    if (bytesRead === 0) throw corrupt(info.file, `tensor ${info.name}: short read`);
    done += bytesRead;
  }
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

export type FloatDtype = 'F32' | 'BF16' | 'F16' | 'F64';
const isFloat = (dtype: SafetensorsDtype): dtype is FloatDtype => dtype in WIDEN;

/**
 * Where stored values sit in a read buffer: `runs` runs of `count` values, run r from byte `first + r · stride` (one
 * run for a contiguous range; one per row for some columns of rows).
 */
interface Runs {
  first: number;
  stride: number;
  runs: number;
  count: number;
}

/**
 * Widens the values of `bytes` at `runs` to fp32, run after run, into `out` from element `at`. On little-endian hosts
 * an aligned buffer is read through a typed array of its element width: three times faster than DataView getters,
 * and widening is most of a build's reading time.
 */
const WIDEN: Record<FloatDtype, (bytes: Uint8Array, runs: Runs, out: Float32Array, at: number) => void> = {
  F32: (bytes, { first, stride, runs, count }, out, at) => {
    if (LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) {
      const values = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 2);
      for (let r = 0; r < runs; r++) out.set(values.subarray((first + r * stride) / 4, (first + r * stride) / 4 + count), at + r * count);
      return;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let r = 0; r < runs; r++) for (let i = 0; i < count; i++) out[at + r * count + i] = view.getFloat32(first + r * stride + i * 4, true);
  },
  // bf16 is the top half of an fp32: widening is a 16-bit shift, exact.
  BF16: (bytes, { first, stride, runs, count }, out, at) => {
    const wide = new Uint32Array(out.buffer, out.byteOffset);
    if (LITTLE_ENDIAN && bytes.byteOffset % 2 === 0) {
      const narrow = new Uint16Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >> 1);
      for (let r = 0; r < runs; r++) {
        const from = (first + r * stride) / 2;
        const to = at + r * count;
        for (let i = 0; i < count; i++) wide[to + i] = narrow[from + i] << 16;
      }
      return;
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let r = 0; r < runs; r++) for (let i = 0; i < count; i++) wide[at + r * count + i] = view.getUint16(first + r * stride + i * 2, true) << 16;
  },
  F16: (bytes, { first, stride, runs, count }, out, at) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let r = 0; r < runs; r++) for (let i = 0; i < count; i++) out[at + r * count + i] = halfToFloat(view.getUint16(first + r * stride + i * 2, true));
  },
  F64: (bytes, { first, stride, runs, count }, out, at) => {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let r = 0; r < runs; r++) for (let i = 0; i < count; i++) out[at + r * count + i] = view.getFloat64(first + r * stride + i * 8, true);
  },
};

/** Stored bytes are read and widened slice by slice (a whole number of elements of every dtype). */
const SLICE_BYTES = 4 * 2 ** 20;

/**
 * A block of a tensor seen as a matrix: `[shape[0], product of the other dims]`, so a row of a `[E, 2I, H]` expert
 * stack is one expert. `rows` rows from `row`, `columns` columns from `column`.
 */
export interface MatrixBlock {
  row: number;
  rows: number;
  column: number;
  columns: number;
}

/** The tensor as a matrix: its rows and the values per row. A scalar is one row of one value. */
export function matrixShape(info: TensorInfo): { rows: number; columns: number } {
  const [rows = 1, ...rest] = info.shape;
  return { rows, columns: rest.reduce((a, b) => a * b, 1) };
}

export function wholeTensor(info: TensorInfo): MatrixBlock {
  return { row: 0, column: 0, ...matrixShape(info) };
}

/** The tensor's dtype when it is a float type, else an error naming the tensor. */
function floatDtype(info: TensorInfo): FloatDtype {
  if (!isFloat(info.dtype)) throw new OmniError('CHECKPOINT_INVALID', `tensor ${info.name}: ${info.dtype} is not a float type`);
  return info.dtype;
}

function checkBlock(info: TensorInfo, { row, rows, column, columns }: MatrixBlock): void {
  const matrix = matrixShape(info);
  if (row < 0 || rows < 0 || row + rows > matrix.rows || column < 0 || columns < 0 || column + columns > matrix.columns) {
    throw new Error(`tensor ${info.name}: block of ${rows} × ${columns} at (${row}, ${column}) is outside its ${matrix.rows} × ${matrix.columns} values`);
  }
}

/**
 * Reads one float tensor, or a block of it, as fp32 (bf16 and fp16 are widened exactly), row-major
 * `[rows, columns]`. A block of whole rows is one contiguous range: fp32 lands in the result directly, narrower
 * types go through one slice-sized buffer, so reading a [vocab, hidden] table costs its fp32 size, not that plus its
 * stored size. A block of some columns reads whole rows a slice at a time and widens only the columns asked for.
 */
export async function readTensorF32(info: TensorInfo, block: MatrixBlock = wholeTensor(info), shards: ShardAccess = OPEN_PER_READ): Promise<Float32Array> {
  const dtype = floatDtype(info);
  checkBlock(info, block);
  const { row, rows, column, columns } = block;
  const matrix = matrixShape(info);
  const elementBytes = DTYPE_BYTES[dtype];
  const rowBytes = matrix.columns * elementBytes;
  const out = new Float32Array(rows * columns);
  const { handle, done: release } = await shards.open(info.file);
  try {
    if (columns === matrix.columns) {
      const start = row * rowBytes;
      if (dtype === 'F32' && LITTLE_ENDIAN) {
        await readFully(handle, info, new Uint8Array(out.buffer), start);
        return out;
      }
      const slice = Buffer.allocUnsafe(Math.min(out.length * elementBytes, SLICE_BYTES));
      for (let done = 0; done < out.length * elementBytes; done += slice.byteLength) {
        const bytes = slice.subarray(0, Math.min(slice.byteLength, out.length * elementBytes - done));
        await readFully(handle, info, bytes, start + done);
        WIDEN[dtype](bytes, { first: 0, stride: 0, runs: 1, count: bytes.byteLength / elementBytes }, out, done / elementBytes);
      }
      return out;
    }
    const sliceRows = Math.max(1, Math.floor(SLICE_BYTES / rowBytes));
    const slice = Buffer.allocUnsafe(Math.min(rows, sliceRows) * rowBytes);
    for (let done = 0; done < rows; done += sliceRows) {
      const sliceCount = Math.min(sliceRows, rows - done);
      await readFully(handle, info, slice.subarray(0, sliceCount * rowBytes), (row + done) * rowBytes);
      WIDEN[dtype](slice, { first: column * elementBytes, stride: rowBytes, runs: sliceCount, count: columns }, out, done * columns);
    }
    return out;
  } finally {
    await release();
  }
}

/** Float values as the checkpoint stores them: row-major, little-endian `dtype`, widened to fp32 where they are used. */
export interface StoredFloats {
  dtype: FloatDtype;
  bytes: Uint8Array;
}

/**
 * Whole rows `[row, row + rows)` of a float tensor as stored, in a buffer of their own (so it can move to another
 * thread): a quantisation worker widens them, which keeps the widening off the reading thread.
 */
export async function readTensorRows(info: TensorInfo, row: number, rows: number, shards: ShardAccess = OPEN_PER_READ): Promise<StoredFloats> {
  const dtype = floatDtype(info);
  const { columns } = matrixShape(info);
  checkBlock(info, { row, rows, column: 0, columns });
  const rowBytes = columns * DTYPE_BYTES[dtype];
  // Not from Node's shared pool: the buffer is the rows' alone.
  const bytes = Buffer.allocUnsafeSlow(rows * rowBytes);
  const { handle, done } = await shards.open(info.file);
  try {
    await readFully(handle, info, bytes, row * rowBytes);
  } finally {
    await done();
  }
  return { dtype, bytes };
}

/** fp32 values as stored ones, the same bytes. */
export const storedF32 = (values: Float32Array): StoredFloats => ({ dtype: 'F32', bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) });

/**
 * Stored values as fp32: the same bytes where they are aligned little-endian fp32 already, else widened (exactly),
 * into the start of `into` where it has room (a worker widens block after block into one buffer).
 */
export function widen({ dtype, bytes }: StoredFloats, into?: Float32Array): Float32Array {
  const count = bytes.byteLength / DTYPE_BYTES[dtype];
  if (dtype === 'F32' && LITTLE_ENDIAN && bytes.byteOffset % 4 === 0) return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  const out = into && into.length >= count ? into.subarray(0, count) : new Float32Array(count);
  WIDEN[dtype](bytes, { first: 0, stride: 0, runs: 1, count }, out, 0);
  return out;
}

/** The tensor's stored bytes, a read slice at a time (the last one shorter), each slice a fresh buffer. */
export async function* readTensorSlices(info: TensorInfo, shards: ShardAccess = OPEN_PER_READ): AsyncGenerator<Uint8Array> {
  const { handle, done } = await shards.open(info.file);
  try {
    for (let start = 0; start < info.byteLength; start += SLICE_BYTES) {
      const bytes = Buffer.allocUnsafe(Math.min(SLICE_BYTES, info.byteLength - start));
      await readFully(handle, info, bytes, start);
      yield bytes;
    }
  } finally {
    await done();
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * 2 ** -14 * (fraction / 1024);
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}
