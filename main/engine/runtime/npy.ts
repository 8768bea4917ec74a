/**
 * NumPy `.npy` reader and writer (format versions 1.0, 2.0 and 3.0; C order; little-endian data).
 *
 * Supported dtypes and their typed arrays:
 *   float32 `<f4` → Float32Array, float64 `<f8` → Float64Array, int64 `<i8` → BigInt64Array,
 *   int32 `<i4` → Int32Array, uint8 `|u1` → Uint8Array, bool `|b1` → Uint8Array (0/1).
 *
 * The writer reproduces numpy's own header byte for byte (`np.save`: sorted keys, the 21-digit growth padding,
 * 64-byte alignment, version 1.0 unless the header needs 2.0), so files written here diff cleanly against files
 * written by the Python reference scripts. Every error names the file (or the label passed for a buffer).
 */
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';

export type NpyDtype = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool';

export interface NpyDataByDtype {
  float32: Float32Array;
  float64: Float64Array;
  int64: BigInt64Array;
  int32: Int32Array;
  uint8: Uint8Array;
  bool: Uint8Array;
}

export type NpyData = NpyDataByDtype[NpyDtype];

export interface NpyArray<D extends NpyDtype = NpyDtype> {
  dtype: D;
  /** C-order dimensions; `[]` for a 0-d array (one element). */
  shape: number[];
  data: NpyDataByDtype[D];
}

export class NpyError extends Error {
  constructor(
    /** The file (or buffer label) the problem was found in. */
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
    this.name = 'NpyError';
  }
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ARRAY_ALIGN = 64;
const GROWTH_AXIS_MAX_DIGITS = 21;

const DESCR: Record<NpyDtype, string> = {
  float32: '<f4',
  float64: '<f8',
  int64: '<i8',
  int32: '<i4',
  uint8: '|u1',
  bool: '|b1',
};

const ITEM_SIZE: Record<NpyDtype, number> = { float32: 4, float64: 8, int64: 8, int32: 4, uint8: 1, bool: 1 };

/** numpy descr strings accepted on read (`=`/`<` are little-endian on every platform we ship). */
const DTYPE_OF_DESCR: Record<string, NpyDtype> = {
  '<f4': 'float32',
  '=f4': 'float32',
  '<f8': 'float64',
  '=f8': 'float64',
  '<i8': 'int64',
  '=i8': 'int64',
  '<i4': 'int32',
  '=i4': 'int32',
  '|u1': 'uint8',
  '<u1': 'uint8',
  '=u1': 'uint8',
  '|b1': 'bool',
  '<b1': 'bool',
  '=b1': 'bool',
};

const hostIsLittleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Number of elements of a shape (1 for a 0-d array). */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

function makeTypedArray(dtype: NpyDtype, buffer: ArrayBuffer): NpyData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(buffer);
    case 'float64':
      return new Float64Array(buffer);
    case 'int64':
      return new BigInt64Array(buffer);
    case 'int32':
      return new Int32Array(buffer);
    case 'uint8':
    case 'bool':
      return new Uint8Array(buffer);
  }
}

function dataMatchesDtype(dtype: NpyDtype, data: unknown): boolean {
  switch (dtype) {
    case 'float32':
      return data instanceof Float32Array;
    case 'float64':
      return data instanceof Float64Array;
    case 'int64':
      return data instanceof BigInt64Array;
    case 'int32':
      return data instanceof Int32Array;
    case 'uint8':
    case 'bool':
      return data instanceof Uint8Array;
  }
}

/** Parses the Python dict literal of an .npy header: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), } */
function parseHeader(text: string, file: string): { descr: string; fortran: boolean; shape: number[] } {
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!text.trimStart().startsWith('{') || !descr || !fortran || !shape) {
    throw new NpyError(file, `malformed .npy header ${JSON.stringify(text.trim())}`);
  }
  const dims = shape[1]
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)
    .map((s) => {
      if (!/^\d+L?$/.test(s)) throw new NpyError(file, `malformed shape (${shape[1]}) in .npy header`);
      return Number.parseInt(s, 10);
    });
  return { descr: descr[1], fortran: fortran[1] === 'True', shape: dims };
}

/**
 * Parses .npy bytes. `file` labels error messages. The returned data is a fresh, aligned copy.
 */
export function parseNpy(bytes: Uint8Array, file = '<buffer>'): NpyArray {
  if (bytes.length < 10 || !MAGIC.every((b, i) => bytes[i] === b)) {
    throw new NpyError(file, 'not a NumPy .npy file (bad magic: expected \\x93NUMPY)');
  }
  const major = bytes[6];
  const minor = bytes[7];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new NpyError(file, 'truncated .npy header');
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new NpyError(file, `unsupported .npy format version ${major}.${minor}`);
  }
  const dataStart = headerStart + headerLength;
  if (dataStart > bytes.length) {
    throw new NpyError(file, `truncated .npy header (needs ${dataStart} bytes, file has ${bytes.length})`);
  }
  const headerBytes = bytes.subarray(headerStart, dataStart);
  const headerText = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(headerBytes);
  const header = parseHeader(headerText, file);
  if (header.fortran) {
    throw new NpyError(file, 'fortran_order=True is not supported (write the array C-contiguous: np.ascontiguousarray)');
  }
  const dtype = DTYPE_OF_DESCR[header.descr];
  if (!dtype) {
    const hint = header.descr.startsWith('>') ? ' (big-endian data is not supported)' : '';
    throw new NpyError(
      file,
      `unsupported dtype '${header.descr}'${hint}; supported: ${Object.values(DESCR).join(', ')}`,
    );
  }
  if (!hostIsLittleEndian && ITEM_SIZE[dtype] > 1) {
    throw new NpyError(file, 'reading multi-byte .npy data needs a little-endian host');
  }
  const count = elementCount(header.shape);
  const expectedBytes = count * ITEM_SIZE[dtype];
  const available = bytes.length - dataStart;
  if (available < expectedBytes) {
    throw new NpyError(
      file,
      `truncated .npy data: shape (${header.shape.join(', ')}) ${dtype} needs ${expectedBytes} bytes, file has ${available}`,
    );
  }
  if (available > expectedBytes) {
    throw new NpyError(
      file,
      `${available - expectedBytes} unexpected trailing bytes after the data of shape (${header.shape.join(', ')}) ${dtype}`,
    );
  }
  // Copy (Node's Buffer#slice would share the pooled buffer) so the typed array is aligned and owns its memory.
  const copy = new Uint8Array(expectedBytes);
  copy.set(bytes.subarray(dataStart, dataStart + expectedBytes));
  const data = makeTypedArray(dtype, copy.buffer);
  if (dtype === 'bool') {
    const bad = (data as Uint8Array).findIndex((v) => v > 1);
    if (bad >= 0) throw new NpyError(file, `bool element ${bad} has byte value ${(data as Uint8Array)[bad]}`);
  }
  return { dtype, shape: header.shape, data } as NpyArray;
}

function pythonTupleRepr(shape: readonly number[]): string {
  if (shape.length === 0) return '()';
  if (shape.length === 1) return `(${shape[0]},)`;
  return `(${shape.join(', ')})`;
}

/** Encodes an array as .npy bytes identical to numpy's `np.save` output. */
export function encodeNpy(array: NpyArray, file = '<buffer>'): Uint8Array {
  const { dtype, shape, data } = array;
  if (!(dtype in DESCR)) throw new NpyError(file, `unsupported dtype '${String(dtype)}'`);
  if (!dataMatchesDtype(dtype, data)) {
    throw new NpyError(file, `data is a ${(data as object).constructor.name}, which does not hold dtype ${dtype}`);
  }
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new NpyError(file, `invalid shape [${shape.join(', ')}]`);
  }
  const count = elementCount(shape);
  if (data.length !== count) {
    throw new NpyError(file, `shape [${shape.join(', ')}] has ${count} elements but the data has ${data.length}`);
  }
  if (dtype === 'bool' && (data as Uint8Array).some((v) => v > 1)) {
    throw new NpyError(file, 'bool data must contain only 0 and 1');
  }
  let header = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${pythonTupleRepr(shape)}, }`;
  if (shape.length > 0) header += ' '.repeat(Math.max(0, GROWTH_AXIS_MAX_DIGITS - String(shape[0]).length));
  const hlen = header.length + 1; // + '\n'
  let version = 1;
  let prefix = 10;
  let padlen = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
  if (hlen + padlen > 0xffff) {
    version = 2;
    prefix = 12;
    padlen = ARRAY_ALIGN - ((prefix + hlen) % ARRAY_ALIGN);
  }
  const headerTotal = hlen + padlen;
  const dataBytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(prefix + headerTotal + dataBytes.byteLength);
  out.set(MAGIC, 0);
  out[6] = version;
  out[7] = 0;
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, headerTotal, true);
  else view.setUint32(8, headerTotal, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.fill(0x20, prefix + header.length, prefix + headerTotal - 1);
  out[prefix + headerTotal - 1] = 0x0a;
  out.set(dataBytes, prefix + headerTotal);
  return out;
}

/** Reads an .npy file (errors name the file). */
export async function readNpy(file: string): Promise<NpyArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new NpyError(file, `cannot read: ${(err as Error).message}`, { cause: err });
  }
  return parseNpy(bytes, file);
}

/** Synchronous variant of readNpy (handy in test set-up). */
export function readNpySync(file: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new NpyError(file, `cannot read: ${(err as Error).message}`, { cause: err });
  }
  return parseNpy(bytes, file);
}

/** Writes an .npy file (numpy-identical bytes). */
export async function writeNpy(file: string, array: NpyArray): Promise<void> {
  await writeFile(file, encodeNpy(array, file));
}

/** Builds an NpyArray, checking that the data length matches the shape. */
export function npyArray<D extends NpyDtype>(dtype: D, shape: number[], data: NpyDataByDtype[D]): NpyArray<D> {
  const count = elementCount(shape);
  if (data.length !== count) {
    throw new Error(`npyArray: shape [${shape.join(', ')}] has ${count} elements but the data has ${data.length}`);
  }
  if (!dataMatchesDtype(dtype, data)) {
    throw new Error(`npyArray: a ${(data as object).constructor.name} cannot hold dtype ${dtype}`);
  }
  return { dtype, shape, data };
}

/** Narrows an array to an expected dtype (throws naming `label` otherwise). */
export function expectDtype<D extends NpyDtype>(array: NpyArray, dtype: D, label = 'array'): NpyArray<D> {
  if (array.dtype !== dtype) throw new Error(`${label}: expected dtype ${dtype}, got ${array.dtype}`);
  return array as NpyArray<D>;
}

/** Element values as JS numbers (int64 via Number(); throws if a value is beyond 2^53). */
export function toNumberArray(array: NpyArray): Float64Array {
  const out = new Float64Array(array.data.length);
  if (array.data instanceof BigInt64Array) {
    const limit = BigInt(Number.MAX_SAFE_INTEGER);
    array.data.forEach((v, i) => {
      if (v > limit || v < -limit) throw new Error(`int64 element ${i} (${v}) is not exactly representable as a number`);
      out[i] = Number(v);
    });
  } else {
    for (let i = 0; i < out.length; i++) out[i] = Number(array.data[i]);
  }
  return out;
}
