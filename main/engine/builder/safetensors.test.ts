import { describe, expect, it } from 'vitest';
import { statSync, truncateSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openCheckpoint, readSafetensorsHeader, readTensorF32 } from './safetensors';
import { writeSafetensors } from './testing/writeSafetensors';
import { testTempDir } from '../../../test/tempDir';

const tinyCheckpoint = fileURLToPath(new URL('../../../models/fixtures/tiny-qwen3-omni', import.meta.url));

const u16 = (...values: number[]) => new Uint8Array(Uint16Array.from(values).buffer);
const tmp = () => testTempDir('st');

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
