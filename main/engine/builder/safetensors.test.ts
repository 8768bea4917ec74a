import { describe, expect, it } from 'vitest';
import { statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCheckpoint, readSafetensorsHeader, readTensorF32, readTensorRows, readTensorSlices, ShardFiles, widen } from './safetensors';
import { openFilesIn } from './testing/openFiles';
import { writeSafetensors } from './testing/writeSafetensors';
import { testTempDir } from '../../../test/tempDir';

const tinyCheckpoint = fileURLToPath(new URL('../../../models/fixtures/tiny-qwen3-omni', import.meta.url));

const u16 = (...values: number[]) => new Uint8Array(Uint16Array.from(values).buffer);

const tmp = () => testTempDir('st');

/** fp16 bits of a small non-negative integer. */
function halfBits(v: number): number {
  if (v === 0) return 0;
  const exponent = Math.floor(Math.log2(v));
  return ((15 + exponent) << 10) | ((v / 2 ** exponent - 1) * 1024);
}

/** One checkpoint of 5 × 3 × 2 values in fp32, bf16 and fp16 (row r holds 6r … 6r + 5, exact in all three), and an I64. */
async function rowsCheckpoint() {
  const dir = tmp();
  const values = Float32Array.from({ length: 30 }, (_, i) => i);
  const bf16 = new Uint8Array(Uint16Array.from(new Uint32Array(values.buffer), (bits) => bits >>> 16).buffer);
  writeSafetensors(path.join(dir, 'model.safetensors'), {
    f32: { dtype: 'F32', shape: [5, 3, 2], bytes: new Uint8Array(values.buffer) },
    bf16: { dtype: 'BF16', shape: [5, 3, 2], bytes: bf16 },
    f16: { dtype: 'F16', shape: [5, 6], bytes: u16(...Array.from(values, halfBits)) },
    ids: { dtype: 'I64', shape: [1], bytes: new Uint8Array(8) },
  });
  return { values, tensors: await openCheckpoint(dir) };
}

describe('safetensors reader', () => {
  it('widens bf16, fp16 and fp32 tensors to exact fp32 values', async () => {
    const dir = tmp();
    writeSafetensors(path.join(dir, 'model.safetensors'), {
      // bf16 0x3fc0 = 1.5, 0xc000 = -2; fp16 0x3c00 = 1, 0x0001 = 2^-24 (subnormal), 0xfc00 = -inf
      a: { dtype: 'BF16', shape: [2], bytes: u16(0x3fc0, 0xc000) },
      b: { dtype: 'F16', shape: [3], bytes: u16(0x3c00, 0x0001, 0xfc00) },
      c: { dtype: 'F32', shape: [1, 1], bytes: new Uint8Array(Float32Array.from([0.1]).buffer) },
    });
    const tensors = await openCheckpoint(dir);
    expect(Array.from(await readTensorF32(tensors.get('a')!))).toEqual([1.5, -2]);
    expect(Array.from(await readTensorF32(tensors.get('b')!))).toEqual([1, 2 ** -24, -Infinity]);
    expect(await readTensorF32(tensors.get('c')!)).toEqual(Float32Array.from([0.1]));
    expect(tensors.get('c')!.shape).toEqual([1, 1]);
  });

  it('widens a tensor larger than one read slice with every value in place, and refuses integer tensors as fp32', async () => {
    const dir = tmp();
    // 3·2^20 bf16 values = 6 MiB: one full 4 MiB slice and a partial one. Value i is the bf16 with bits i & 0x7fff.
    const count = 3 * 2 ** 20;
    const bits = Uint16Array.from({ length: count }, (_, i) => i & 0x7fff);
    writeSafetensors(path.join(dir, 'model.safetensors'), {
      big: { dtype: 'BF16', shape: [3, 2 ** 20], bytes: new Uint8Array(bits.buffer) },
      ids: { dtype: 'I64', shape: [1], bytes: new Uint8Array(8) },
    });
    const tensors = await openCheckpoint(dir);
    const values = new Uint32Array((await readTensorF32(tensors.get('big')!)).buffer);
    expect(values.length).toBe(count);
    expect(values.every((v, i) => v === (i & 0x7fff) << 16)).toBe(true);
    await expect(readTensorF32(tensors.get('ids')!)).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID', message: 'tensor ids: I64 is not a float type' });
  });

  it('reads a block of a tensor seen as [shape[0], rest]: rows, or some columns of them, in every float dtype', async () => {
    const { values, tensors } = await rowsCheckpoint();
    for (const name of ['f32', 'bf16', 'f16']) {
      const info = tensors.get(name)!;
      expect(Array.from(await readTensorF32(info)), name).toEqual(Array.from(values));
      expect(Array.from(await readTensorF32(info, { row: 3, rows: 2, column: 0, columns: 6 })), name).toEqual([18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29]);
      expect(Array.from(await readTensorF32(info, { row: 1, rows: 3, column: 4, columns: 2 })), name).toEqual([10, 11, 16, 17, 22, 23]);
    }
    await expect(readTensorF32(tensors.get('f32')!, { row: 4, rows: 2, column: 0, columns: 6 })).rejects.toThrow('tensor f32: block of 2 × 6 at (4, 0) is outside its 5 × 6 values');
  });

  it('reads whole rows as stored, in a buffer of their own, that widen to the fp32 read of the same rows', async () => {
    const { tensors } = await rowsCheckpoint();
    for (const [name, dtype, bytes] of [['f32', 'F32', 4], ['bf16', 'BF16', 2], ['f16', 'F16', 2]] as const) {
      const rows = await readTensorRows(tensors.get(name)!, 1, 3);
      expect(rows.dtype, name).toBe(dtype);
      expect([rows.bytes.byteOffset, rows.bytes.byteLength, rows.bytes.buffer.byteLength], name).toEqual([0, 18 * bytes, 18 * bytes]);
      expect(Array.from(widen(rows)), name).toEqual(Array.from({ length: 18 }, (_, i) => 6 + i));
    }
    // Widened into a buffer with room: at its start; one too small is left alone.
    const rows = await readTensorRows(tensors.get('bf16')!, 0, 1);
    const roomy = new Float32Array(8).fill(-1);
    const widened = widen(rows, roomy);
    expect([widened.buffer === roomy.buffer, Array.from(roomy)]).toEqual([true, [0, 1, 2, 3, 4, 5, -1, -1]]);
    const small = new Float32Array(2);
    expect([Array.from(widen(rows, small)), Array.from(small)]).toEqual([[0, 1, 2, 3, 4, 5], [0, 0]]);
    await expect(readTensorRows(tensors.get('bf16')!, 4, 2)).rejects.toThrow('tensor bf16: block of 2 × 6 at (4, 0) is outside its 5 × 6 values');
    await expect(readTensorRows(tensors.get('ids')!, 0, 1)).rejects.toMatchObject({ code: 'CHECKPOINT_INVALID', message: 'tensor ids: I64 is not a float type' });
  });

  it.skipIf(process.platform !== 'linux')('keeps one handle per shard across every read through ShardFiles, and none once closed', async () => {
    const dir = tmp();
    writeSafetensors(path.join(dir, 's1.safetensors'), { a: { dtype: 'BF16', shape: [2, 1], bytes: u16(0x3f80, 0x4000) } });
    writeSafetensors(path.join(dir, 's2.safetensors'), { b: { dtype: 'BF16', shape: [1], bytes: u16(0x4040) } });
    const tensors = await openCheckpoint(dir);
    const a = tensors.get('a')!;
    const b = tensors.get('b')!;
    const shards = new ShardFiles();
    const reads = await Promise.all([readTensorF32(a, undefined, shards), readTensorRows(a, 1, 1, shards), readTensorF32(b, undefined, shards)]);
    expect(reads.map((read) => Array.from(read instanceof Float32Array ? read : widen(read)))).toEqual([[1, 2], [2], [3]]);
    for await (const slice of readTensorSlices(a, shards)) expect(slice.byteLength).toBe(4);
    expect(openFilesIn(dir)).toBe(2);
    await shards.close();
    expect(openFilesIn(dir)).toBe(0);
    await expect(readTensorF32(b, undefined, shards)).rejects.toThrow(`${b.file}: read after the checkpoint's shards were closed`);
    // Without ShardFiles a read opens its shard and closes it again.
    await readTensorF32(a);
    expect(openFilesIn(dir)).toBe(0);
  });

  it('reads some columns of rows longer than a read slice, and hands out stored bytes a 4 MiB slice at a time', async () => {
    const dir = tmp();
    // 2 rows of 3·2^20 bf16 values (6 MiB each); value i of a row is the bf16 with bits i & 0x7fff, + 1 in row 1.
    const width = 3 * 2 ** 20;
    const bits = Uint16Array.from({ length: 2 * width }, (_, i) => ((i % width) & 0x7fff) + Math.floor(i / width));
    writeSafetensors(path.join(dir, 'model.safetensors'), { wide: { dtype: 'BF16', shape: [2, width], bytes: new Uint8Array(bits.buffer) } });
    const info = (await openCheckpoint(dir)).get('wide')!;
    const block = new Uint32Array((await readTensorF32(info, { row: 0, rows: 2, column: width - 2, columns: 2 })).buffer);
    expect(block).toEqual(Uint32Array.of(0x7ffe << 16, 0x7fff << 16, 0x7fff << 16, 0x8000 << 16));
    const slices = [];
    for await (const slice of readTensorSlices(info)) slices.push(slice);
    expect(slices.map((slice) => slice.byteLength)).toEqual([4, 4, 4].map((mib) => mib * 2 ** 20));
    expect(Buffer.concat(slices).equals(Buffer.from(bits.buffer))).toBe(true);
  });

  it('names the tensor and the byte counts of a truncated file', async () => {
    const file = path.join(tmp(), 'model.safetensors');
    writeSafetensors(file, { w: { dtype: 'F32', shape: [4], bytes: new Uint8Array(16) } });
    const full = statSync(file).size;
    truncateSync(file, full - 4);
    await expect(readSafetensorsHeader(file)).rejects.toThrow(
      `tensor w ends at byte ${full} but the file has ${full - 4} bytes (truncated download?)`,
    );
    truncateSync(file, 20);
    await expect(readSafetensorsHeader(file)).rejects.toThrow(/header length \d+ does not fit in a 20-byte file/);
  });

  it('rejects a header whose byte count disagrees with the shape', async () => {
    const file = path.join(tmp(), 'model.safetensors');
    writeSafetensors(file, { w: { dtype: 'F32', shape: [3], bytes: new Uint8Array(16) } });
    await expect(readSafetensorsHeader(file)).rejects.toThrow('tensor w: 16 bytes stored for shape [3] F32 (12 expected)');
  });

  it('lists the shards an index names but the folder lacks', async () => {
    const dir = tmp();
    writeSafetensors(path.join(dir, 'model-00001-of-00002.safetensors'), { a: { dtype: 'BF16', shape: [1], bytes: u16(0) } });
    writeFileSync(
      path.join(dir, 'model.safetensors.index.json'),
      JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } }),
    );
    await expect(openCheckpoint(dir)).rejects.toMatchObject({
      code: 'MODEL_NOT_INSTALLED',
      message: `${dir}: 1 shard(s) listed in model.safetensors.index.json are missing: model-00002-of-00002.safetensors`,
    });
  });

  it('reads sharded checkpoints through the index and refuses a tensor stored twice', async () => {
    const dir = tmp();
    writeSafetensors(path.join(dir, 's1.safetensors'), { a: { dtype: 'BF16', shape: [1], bytes: u16(0x3f80) } });
    writeSafetensors(path.join(dir, 's2.safetensors'), { b: { dtype: 'BF16', shape: [1], bytes: u16(0x4000) } });
    writeFileSync(path.join(dir, 'model.safetensors.index.json'), JSON.stringify({ weight_map: { a: 's1.safetensors', b: 's2.safetensors' } }));
    const tensors = await openCheckpoint(dir);
    expect(Array.from(await readTensorF32(tensors.get('b')!))).toEqual([2]);

    writeSafetensors(path.join(dir, 's2.safetensors'), { a: { dtype: 'BF16', shape: [1], bytes: u16(0x4000) } });
    await expect(openCheckpoint(dir)).rejects.toThrow('tensor a is stored twice');
  });

  it('opens the tiny reference checkpoint: every tensor bf16 with consistent offsets', async () => {
    const tensors = await openCheckpoint(tinyCheckpoint);
    expect(tensors.size).toBeGreaterThan(500);
    expect([...tensors.values()].every((t) => t.dtype === 'BF16')).toBe(true);
    expect(tensors.get('talker.model.layers.0.mlp.experts.0.gate_proj.weight')?.shape.length).toBe(2);
  });
});
