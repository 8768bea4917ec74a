import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  NpyError,
  encodeNpy,
  npyArray,
  parseNpy,
  readNpy,
  readNpySync,
  toNumberArray,
  writeNpy,
  type NpyArray,
} from './npy';
import { testTempDir } from '../../../test/tempDir';

const golden = fileURLToPath(new URL('../../../models/fixtures/golden', import.meta.url));
const tmp = () => testTempDir('npy');

/** Builds .npy bytes by hand from the format description, so these tests do not trust the writer. */
function handMade(descr: string, shape: string, payload: Uint8Array, opts: { version?: 1 | 2; fortran?: boolean } = {}) {
  const version = opts.version ?? 1;
  let header = `{'descr': '${descr}', 'fortran_order': ${opts.fortran ? 'True' : 'False'}, 'shape': ${shape}, }`;
  const prefix = version === 1 ? 10 : 12;
  while ((prefix + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const out = new Uint8Array(prefix + header.length + payload.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, header.length, true);
  else view.setUint32(8, header.length, true);
  out.set(new TextEncoder().encode(header), prefix);
  out.set(payload, prefix + header.length);
  return out;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

describe('npy reader', () => {
  it('reads every supported dtype from hand-made v1 files', () => {
    const f32 = parseNpy(handMade('<f4', '(2, 2)', bytesOf(Float32Array.from([1.5, -2, 0.25, 3]))), 'f32.npy');
    expect(f32).toEqual({ dtype: 'float32', shape: [2, 2], data: Float32Array.from([1.5, -2, 0.25, 3]) });
    const f64 = parseNpy(handMade('<f8', '(1,)', bytesOf(Float64Array.from([0.1]))));
    expect(f64.dtype).toBe('float64');
    expect(f64.data).toEqual(Float64Array.from([0.1]));
    const i64 = parseNpy(handMade('<i8', '(3,)', bytesOf(BigInt64Array.from([1n, -2n, 151675n]))));
    expect(i64.dtype).toBe('int64');
    expect(i64.data).toEqual(BigInt64Array.from([1n, -2n, 151675n]));
    const i32 = parseNpy(handMade('<i4', '(2,)', bytesOf(Int32Array.from([-7, 2 ** 30]))));
    expect(i32).toEqual({ dtype: 'int32', shape: [2], data: Int32Array.from([-7, 2 ** 30]) });
    const u8 = parseNpy(handMade('|u1', '(3,)', Uint8Array.from([0, 128, 255])));
    expect(u8).toEqual({ dtype: 'uint8', shape: [3], data: Uint8Array.from([0, 128, 255]) });
    const b = parseNpy(handMade('|b1', '(2,)', Uint8Array.from([1, 0])));
    expect(b).toEqual({ dtype: 'bool', shape: [2], data: Uint8Array.from([1, 0]) });
  });

  it('reads 0-d, empty and version 2.0 files', () => {
    expect(parseNpy(handMade('<f4', '()', bytesOf(Float32Array.from([7]))))).toEqual({
      dtype: 'float32',
      shape: [],
      data: Float32Array.from([7]),
    });
    expect(parseNpy(handMade('<i4', '(0, 3)', new Uint8Array(0)))).toEqual({
      dtype: 'int32',
      shape: [0, 3],
      data: new Int32Array(0),
    });
    const v2 = parseNpy(handMade('<f8', '(2,)', bytesOf(Float64Array.from([1, 2])), { version: 2 }));
    expect(v2.data).toEqual(Float64Array.from([1, 2]));
  });

  it('returns aligned data even when the bytes start at an odd offset', () => {
    const file = handMade('<f8', '(2,)', bytesOf(Float64Array.from([3, 4])));
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    expect(parseNpy(shifted.subarray(3)).data).toEqual(Float64Array.from([3, 4]));
  });

  it('names the file on bad magic, unsupported dtype, fortran order, truncation and trailing bytes', () => {
    const ok = handMade('<f4', '(2,)', bytesOf(Float32Array.from([1, 2])));
    expect(() => parseNpy(new TextEncoder().encode('PK\x03\x04 not numpy at all'), 'weights.npy')).toThrow(
      /weights\.npy: not a NumPy \.npy file \(bad magic/,
    );
    expect(() => parseNpy(handMade('<f2', '(2,)', new Uint8Array(4)), 'half.npy')).toThrow(
      /half\.npy: unsupported dtype '<f2'/,
    );
    expect(() => parseNpy(handMade('>f4', '(1,)', new Uint8Array(4)), 'be.npy')).toThrow(/be\.npy: .*big-endian/);
    expect(() => parseNpy(handMade('<f4', '(2, 2)', new Uint8Array(16), { fortran: true }), 'f.npy')).toThrow(
      /f\.npy: fortran_order=True is not supported/,
    );
    expect(() => parseNpy(ok.subarray(0, ok.length - 1), 'cut.npy')).toThrow(
      /cut\.npy: truncated \.npy data: shape \(2\) float32 needs 8 bytes, file has 7/,
    );
    expect(() => parseNpy(ok.subarray(0, 40), 'head.npy')).toThrow(/head\.npy: truncated \.npy header/);
    const extra = new Uint8Array(ok.length + 2);
    extra.set(ok);
    expect(() => parseNpy(extra, 'long.npy')).toThrow(/long\.npy: 2 unexpected trailing bytes/);
    expect(() => parseNpy(handMade('|b1', '(1,)', Uint8Array.from([2])), 'b.npy')).toThrow(/b\.npy: bool element 0/);
    const badVersion = ok.slice();
    badVersion[6] = 9;
    expect(() => parseNpy(badVersion, 'v9.npy')).toThrow(/v9\.npy: unsupported \.npy format version 9/);
  });

  it('readNpy and readNpySync name a missing file', async () => {
    const missing = path.join(tmp(), 'nope.npy');
    await expect(readNpy(missing)).rejects.toThrow(NpyError);
    await expect(readNpy(missing)).rejects.toThrow(missing);
    expect(() => readNpySync(missing)).toThrow(missing);
  });
});

describe('npy writer', () => {
  it('writes bytes identical to numpy np.save (golden files re-encoded)', () => {
    for (const rel of [
      'text/input_ids.npy', // int64 [S]
      'text/position_ids.npy', // float32 [3, S]
      'audio/feature_attention_mask.npy', // int32 [1, F]
      'audio/input_features.npy', // float32 [1, 128, F]
      'long_audio/input_features.npy', // 1.6 MB
      'text/code_predictor_logits.npy', // float32 [15, 2048]
    ]) {
      const file = path.join(golden, rel);
      const original = new Uint8Array(readFileSync(file));
      const again = encodeNpy(parseNpy(original, file), file);
      expect(again.length, rel).toBe(original.length);
      expect(Buffer.compare(Buffer.from(again), Buffer.from(original)), rel).toBe(0);
    }
  });

  it('matches numpy headers for 0-d, empty, bool and uint8 arrays', () => {
    // numpy 2.4: np.save of np.zeros((), np.float32) / np.zeros((0,), np.int32) / np.array([True, False]) /
    // np.zeros((2, 3, 4), np.uint8); every header is 128 bytes long including the magic and length.
    const header = (a: NpyArray) => new TextDecoder().decode(encodeNpy(a).subarray(10, 128));
    expect(header(npyArray('float32', [], new Float32Array(1)))).toBe(
      "{'descr': '<f4', 'fortran_order': False, 'shape': (), }" + ' '.repeat(62) + '\n',
    );
    expect(header(npyArray('int32', [0], new Int32Array(0)))).toBe(
      "{'descr': '<i4', 'fortran_order': False, 'shape': (0,), }" + ' '.repeat(60) + '\n',
    );
    expect(header(npyArray('bool', [2], Uint8Array.from([1, 0])))).toBe(
      "{'descr': '|b1', 'fortran_order': False, 'shape': (2,), }" + ' '.repeat(60) + '\n',
    );
    expect(header(npyArray('uint8', [2, 3, 4], new Uint8Array(24)))).toBe(
      "{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3, 4), }" + ' '.repeat(55) + '\n',
    );
  });

  it('round-trips every dtype through a file', async () => {
    const dir = tmp();
    const arrays: NpyArray[] = [
      npyArray('float32', [2, 3], Float32Array.from([0, -1, 2.5, NaN, Infinity, 1e-30])),
      npyArray('float64', [1, 1, 2], Float64Array.from([Math.PI, -0])),
      npyArray('int64', [3], BigInt64Array.from([0n, -(2n ** 62n), 2n ** 62n])),
      npyArray('int32', [2, 2], Int32Array.from([1, -1, 2147483647, -2147483648])),
      npyArray('uint8', [4], Uint8Array.from([0, 1, 254, 255])),
      npyArray('bool', [2, 1], Uint8Array.from([0, 1])),
      npyArray('float32', [0], new Float32Array(0)),
      npyArray('float64', [], Float64Array.from([42])),
    ];
    for (const [i, a] of arrays.entries()) {
      const file = path.join(dir, `a${i}.npy`);
      await writeNpy(file, a);
      expect(await readNpy(file)).toEqual(a);
    }
  });

  it('switches to format 2.0 only when the header does not fit 64 KiB', () => {
    const shape = Array.from({ length: 25000 }, () => 1) // "1, " x 25000 > 65535 header bytes;
    const bytes = encodeNpy(npyArray('uint8', shape, Uint8Array.from([3])));
    expect(bytes[6]).toBe(2);
    expect(parseNpy(bytes)).toEqual({ dtype: 'uint8', shape, data: Uint8Array.from([3]) });
    expect(encodeNpy(npyArray('uint8', [1], Uint8Array.from([3])))[6]).toBe(1);
  });

  it('rejects data that does not match the shape or dtype', () => {
    expect(() =>
      encodeNpy({ dtype: 'float32', shape: [3], data: new Float32Array(2) }, 'out.npy'),
    ).toThrow(/out\.npy: shape \[3\] has 3 elements but the data has 2/);
    expect(() =>
      encodeNpy({ dtype: 'int64', shape: [1], data: new Float64Array(1) as unknown as BigInt64Array }, 'x.npy'),
    ).toThrow(/x\.npy: data is a Float64Array, which does not hold dtype int64/);
    expect(() => npyArray('bool', [1], Uint8Array.from([5]))).not.toThrow();
    expect(() => encodeNpy(npyArray('bool', [1], Uint8Array.from([5])), 'b.npy')).toThrow(/b\.npy: bool data/);
  });

  it('toNumberArray widens every dtype and refuses unsafe int64 values', () => {
    expect(Array.from(toNumberArray(npyArray('int64', [2], BigInt64Array.from([3n, -4n]))))).toEqual([3, -4]);
    expect(Array.from(toNumberArray(npyArray('uint8', [1], Uint8Array.from([200]))))).toEqual([200]);
    expect(() => toNumberArray(npyArray('int64', [1], BigInt64Array.from([2n ** 60n])))).toThrow(/not exactly/);
  });

  it('writes a file numpy would read back (round trip through the hand-made reader layout)', () => {
    const dir = tmp();
    const file = path.join(dir, 'ids.npy');
    writeFileSync(file, encodeNpy(npyArray('int64', [2], BigInt64Array.from([151644n, 872n]))));
    const raw = readFileSync(file);
    expect(raw.subarray(0, 8)).toEqual(Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]));
    expect(raw.length % 64).toBe(16); // 128-byte header + 16 data bytes
    expect(raw.readBigInt64LE(128)).toBe(151644n);
  });
});
