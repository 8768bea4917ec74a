import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { openCheckpoint, widen } from './safetensors';
import { testTempDir } from '../../../test/tempDir';
import { seeded, writeSafetensors } from './testing/writeSafetensors';
import { WeightReader } from './weights';

const N = 37;
const K = 11;
/** W [N, K], stored as bf16 (values chosen exact in bf16) so every read widens. */
const W = seeded(N * K, 5).map((v) => Math.round(v * 64) / 64);
const bf16 = new Uint8Array(Uint16Array.from(new Uint32Array(W.buffer), (bits) => bits >>> 16).buffer);

/** A reader over W whose slabs hold `slabValues` fp32 values, and the bytes its reads count. */
async function reader(slabValues: number) {
  const dir = testTempDir('weights');
  writeSafetensors(path.join(dir, 'model.safetensors'), { w: { dtype: 'BF16', shape: [N, K], bytes: bf16 } });
  const counted = { bytes: 0 };
  const weights = new WeightReader(await openCheckpoint(dir), (bytes) => (counted.bytes += bytes), slabValues * 4);
  return { weights, counted };
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out = [];
  for await (const item of items) out.push(item);
  return out;
}

const concat = (parts: Float32Array[]) => Float32Array.from(parts.flatMap((part) => Array.from(part)));

describe('WeightReader in slabs', () => {
  it('hands a matrix out as blocks of whole rows, as stored or widened, each at most a slab once widened and in a buffer of its own, that make up the matrix', async () => {
    for (const [values, dtype, bytes] of [['stored', 'BF16', 2], ['fp32', 'F32', 4]] as const) {
      const { weights, counted } = await reader(4 * K + 3);
      const slabs = await collect(weights.rowSlabs('w', [N, K], values));
      expect(slabs.map((slab) => [slab.dtype, slab.bytes.byteLength / (bytes * K)])).toEqual([...Array(9).fill([dtype, 4]), [dtype, 1]]);
      expect(slabs.every(({ bytes }) => bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength)).toBe(true);
      expect(concat(slabs.map((m) => widen(m)))).toEqual(W);
      expect(counted.bytes).toBe(N * K * 2);
    }
  });

  it('hands the transposed matrix [K, N] out as blocks of its rows, each gathered from every stored row', async () => {
    const transposed = new Float32Array(K * N);
    for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) transposed[k * N + n] = W[n * K + k];
    for (const slabValues of [3 * N, N, N * K]) {
      const { weights, counted } = await reader(slabValues);
      const slabs = await collect(weights.columnSlabs('w', [N, K]));
      expect(slabs.every((slab) => slab.length <= slabValues)).toBe(true);
      expect(concat(slabs)).toEqual(transposed);
      // Each stored value counts once towards progress, however many passes read its row.
      expect(counted.bytes).toBe(N * K * 2);
    }
  });

  it('streams the stored bytes as they are, announcing their length, and names a shape that config.json contradicts', async () => {
    const { weights, counted } = await reader(N * K);
    const stored = weights.stored('w', [N, K]);
    expect(stored.byteLength).toBe(bf16.byteLength);
    expect(Buffer.concat(await collect(stored.chunks)).equals(Buffer.from(bf16))).toBe(true);
    expect(counted.bytes).toBe(bf16.byteLength);
    expect(() => weights.stored('w', [K, N])).toThrow(`tensor w has shape [${N}, ${K}] but config.json implies [${K}, ${N}]`);
    await expect(collect(weights.rowSlabs('w', [K, N], 'stored'))).rejects.toThrow(`tensor w has shape [${N}, ${K}] but config.json implies [${K}, ${N}]`);
  });
});
