import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { testTempDir } from '../../../../../test/tempDir';
import { ExternalDataWriter } from '../../onnx/externalData';
import { DataType, GraphBuilder } from '../../onnx/graph';
import { openCheckpoint } from '../../safetensors';
import { f32Tensor, seeded, writeSafetensors } from '../../testing/writeSafetensors';
import type { Quantisers } from '../../quantize';
import { QuantisePool } from '../../quantizePool';
import { WeightReader } from '../../weights';
import type { Precision } from './context';
import { makeLinear } from './linear';

/** Large enough that even the 4-bit levels go to the data file (graph.ts INLINE_LIMIT). */
const N = 160;
const K = 256;
const INT4: Precision = { kind: 'int4', blockSize: 32, expertBlockSize: 128, accuracyLevel: 4 };

/**
 * The graph file and data file of one linear per weight (4-bit o_proj, 8-bit v_proj), weights read `slabValues` fp32
 * values at a time and quantised on `quantisers`.
 */
async function writeLinears(precision: Precision, slabValues: number, quantisers?: Quantisers): Promise<{ model: Buffer; data: Buffer }> {
  const dir = testTempDir('linear');
  const names = ['layers.0.self_attn.o_proj.weight', 'layers.0.self_attn.v_proj.weight'];
  writeSafetensors(path.join(dir, 'model.safetensors'), Object.fromEntries(names.map((name, i) => [name, f32Tensor(seeded(N * K, 1 + i), [N, K])])));
  const weights = new WeightReader(await openCheckpoint(dir), undefined, slabValues * 4);
  const file = path.join(dir, 'linear.onnx.data');
  const sink = await ExternalDataWriter.create(file);
  const g = new GraphBuilder('linear', sink);
  const x = g.input('x', DataType.FLOAT, [1, K]);
  for (const [i, name] of names.entries()) await makeLinear({ g, weights, precision, quantisers }, `/linear_${i}`, x, name, N, K, { output: `y${i}` });
  await sink.close();
  return { model: Buffer.from(g.toModel({ producerVersion: 'test' })), data: readFileSync(file) };
}

describe('linear weights written a slab at a time', () => {
  it('are byte for byte the weights written whole: fp32 transposed over several column passes, int4 over several row slabs', async () => {
    // 5 columns of the transposed fp32 weight per slab (52 passes), or 1 row of the int4 weight.
    for (const [precision, slabValues] of [[{ kind: 'fp32' }, 5 * N], [INT4, K]] as const) {
      const sliced = await writeLinears(precision, slabValues);
      const whole = await writeLinears(precision, N * K);
      expect(whole.data.length, precision.kind).toBeGreaterThan(N * K);
      expect(sliced.data.equals(whole.data), precision.kind).toBe(true);
      expect(sliced.model.equals(whole.model), precision.kind).toBe(true);
      if (precision.kind !== 'fp32') continue;
      // The first weight, W [N, K], went to the start of the file as Wᵀ [K, N].
      const w = seeded(N * K, 1);
      const transposed = Float32Array.from({ length: K * N }, (_, i) => w[(i % N) * K + Math.floor(i / N)]);
      expect(new Float32Array(whole.data.buffer, whole.data.byteOffset, K * N)).toEqual(transposed);
    }
  });
});

describe('int4 linear weights quantised on worker threads', () => {
  it('are byte for byte those quantised on this thread, the weight shared out in slabs of the pool\'s size', async () => {
    // 4 blocks in flight, 16 rows each: 10 slabs per weight.
    const pool = await QuantisePool.start(2, { inFlightBytes: 4 * 16 * K * 4 });
    try {
      const pooled = await writeLinears(INT4, N * K, pool);
      const here = await writeLinears(INT4, N * K);
      expect(pooled.data.equals(here.data)).toBe(true);
      expect(pooled.model.equals(here.model)).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('fail naming the checkpoint tensor when a worker stops', async () => {
    const worker = path.join(testTempDir('linear-worker'), 'worker.mjs');
    writeFileSync(worker, "import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => process.exit(9));\nparentPort.postMessage({ ready: true });\n");
    const pool = await QuantisePool.start(2, { entry: worker });
    try {
      await expect(writeLinears(INT4, N * K, pool)).rejects.toMatchObject({
        code: 'BUILD_FAILED',
        message: 'quantising layers.0.self_attn.o_proj.weight failed: a quantisation worker stopped (exit code 9)',
      });
    } finally {
      await pool.close();
    }
  });
});
