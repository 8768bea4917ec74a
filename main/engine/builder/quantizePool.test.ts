import { describe, expect, it } from 'vitest';
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { testTempDir } from '../../../test/tempDir';
import { quantizeRows, RowQuantiser, type RowMatrix } from './quantize';
import { QuantisePool } from './quantizePool';
import { storedF32, type StoredFloats } from './safetensors';
import { seeded } from './testing/writeSafetensors';

const K = 96;
const MATRIX: RowMatrix = { tensor: 'layers.0.mlp.down_proj.weight', N: 64, K, blockSize: 32, format: { bits: 4, symmetric: false } };

/** Threads of this process (Linux): a worker is one, and it is gone once the worker has exited. */
const threadCount = () => readdirSync('/proc/self/task').length;

/** The matrix's rows as blocks of the given row counts, each in a buffer of its own. */
function* blocks(weight: Float32Array, counts: number[]): Generator<StoredFloats> {
  let row = 0;
  for (const count of counts) {
    yield storedF32(weight.slice(row * K, (row + count) * K));
    row += count;
  }
}

/** `values` stored as bf16 (truncated), in a buffer of their own. */
const bf16 = (values: Float32Array): StoredFloats => ({ dtype: 'BF16', bytes: new Uint8Array(Uint16Array.from(new Uint32Array(values.buffer.slice(0)), (bits) => bits >>> 16).buffer) });

async function quantiseAll(q: RowQuantiser, rows: Iterable<StoredFloats>): Promise<Uint8Array> {
  const packed: number[] = [];
  for await (const levels of q.packed((async function* () { yield* rows; })())) packed.push(...levels);
  return Uint8Array.from(packed);
}

/** A worker module that fails as `body` says on the first block it is sent. */
function failingWorker(body: string): string {
  const file = path.join(testTempDir('failing-worker'), 'worker.mjs');
  writeFileSync(file, `import { parentPort } from 'node:worker_threads';\nparentPort.on('message', () => { ${body} });\nparentPort.postMessage({ ready: true });\n`);
  return file;
}

describe('quantisation on a pool of worker threads', () => {
  it('gives the levels, scales and zero points of this thread, in the order the blocks came, moving each block rather than copying it', async () => {
    const weight = seeded(MATRIX.N * K, 3);
    // Blocks of very different sizes finish out of order on two workers.
    const counts = [40, 1, 1, 10, 2, 7, 3];
    const here = new RowQuantiser(MATRIX);
    const expected = await quantiseAll(here, blocks(weight, counts));
    const pool = await QuantisePool.start(2);
    try {
      const sent = [...blocks(weight, counts)];
      const q = new RowQuantiser(MATRIX, pool);
      expect(await quantiseAll(q, sent)).toEqual(expected);
      expect(q.allScales).toEqual(here.allScales);
      expect(q.packedZeroPoints).toEqual(here.packedZeroPoints);
      // Transferred: the sender's view of each block is detached.
      expect(sent.map((block) => block.bytes.byteLength)).toEqual(counts.map(() => 0));
      // A view into a larger buffer cannot move without taking the rest along: it is copied, the buffer left intact.
      const view = storedF32(weight.subarray(0, 2 * K));
      expect(await pool.quantise({ ...MATRIX, rows: view })).toEqual(quantizeRows({ ...MATRIX, rows: view }));
      expect(view.bytes.byteLength).toBe(2 * K * 4);
    } finally {
      await pool.close();
    }
  });

  it('widens bf16 blocks on the worker, to what this thread quantises them to, moving the stored bytes', async () => {
    const weight = seeded(MATRIX.N * K, 9);
    const pool = await QuantisePool.start(2);
    try {
      const sent = bf16(weight);
      const here = quantizeRows({ ...MATRIX, rows: bf16(weight) });
      expect(await pool.quantise({ ...MATRIX, rows: sent })).toEqual(here);
      expect(sent.bytes.byteLength).toBe(0);
      // The same as fp32 values that are the bf16 ones.
      const widened = new Float32Array(Uint32Array.from(new Uint32Array(weight.buffer.slice(0)), (bits) => bits & 0xffff0000).buffer);
      expect(here).toEqual(quantizeRows({ ...MATRIX, rows: storedF32(widened) }));
    } finally {
      await pool.close();
    }
  });

  it('reads ahead two blocks per worker, in slabs that share a fixed budget among them', async () => {
    const pool = await QuantisePool.start(3, { inFlightBytes: 6 * 2 ** 20 });
    await pool.close();
    expect(pool.inFlight).toBe(6);
    expect(pool.slabBytes).toBe(2 ** 20);
    const wide = await QuantisePool.start(1);
    await wide.close();
    expect(wide.slabBytes).toBe(64 * 2 ** 20);
  });

  it("answers a quantiser's exception as BUILD_FAILED naming the tensor, and goes on quantising", async () => {
    const pool = await QuantisePool.start(1);
    try {
      const rows = storedF32(seeded(2 * 48, 1));
      await expect(pool.quantise({ ...MATRIX, K: 48, blockSize: 24, rows })).rejects.toMatchObject({
        code: 'BUILD_FAILED',
        message: 'quantising layers.0.mlp.down_proj.weight failed: quantizeBlockwise: block size 24 is not a power of two ≥ 16',
      });
      const good = seeded(K, 2);
      expect(await pool.quantise({ ...MATRIX, rows: storedF32(good.slice()) })).toEqual(quantizeRows({ ...MATRIX, rows: storedF32(good) }));
    } finally {
      await pool.close();
    }
  });

  it('fails every pending block, naming its tensor, when a worker throws or exits, and refuses later blocks', async () => {
    for (const [body, reason] of [
      ["throw new Error('out of memory')", 'a quantisation worker failed: out of memory'],
      ['process.exit(3)', 'a quantisation worker stopped (exit code 3)'],
    ]) {
      const pool = await QuantisePool.start(2, { entry: failingWorker(body) });
      try {
        const q = new RowQuantiser(MATRIX, pool);
        await expect(quantiseAll(q, blocks(seeded(MATRIX.N * K, 4), [16, 16, 16, 16]))).rejects.toMatchObject({
          code: 'BUILD_FAILED',
          message: `quantising layers.0.mlp.down_proj.weight failed: ${reason}`,
        });
        await expect(pool.quantise({ ...MATRIX, tensor: 'lm_head.weight', rows: storedF32(seeded(K, 5)) })).rejects.toThrow(`quantising lm_head.weight failed: ${reason}`);
      } finally {
        await pool.close();
      }
    }
  });

  it('refuses to start, saying why, when a worker cannot load its module, and leaves no worker running', async () => {
    const missing = path.join(testTempDir('no-worker'), 'missing.mjs');
    await expect(QuantisePool.start(2, { entry: missing })).rejects.toMatchObject({
      code: 'BUILD_FAILED',
      message: expect.stringMatching(/^the quantisation workers could not start: a quantisation worker failed: Cannot find module .*missing\.mjs/),
    });
    const throwing = path.join(testTempDir('throwing-worker'), 'worker.mjs');
    writeFileSync(throwing, "throw new Error('bad build of the worker');\n");
    await expect(QuantisePool.start(2, { entry: throwing })).rejects.toThrow('the quantisation workers could not start: a quantisation worker failed: bad build of the worker');
  });

  it.skipIf(process.platform !== 'linux')('leaves no thread behind once closed, whether it quantised, failed or was closed mid-block', async () => {
    const before = threadCount();
    const pool = await QuantisePool.start(3);
    expect(threadCount()).toBe(before + 3);
    await pool.quantise({ ...MATRIX, rows: storedF32(seeded(K, 6)) });
    const pending = expect(pool.quantise({ ...MATRIX, rows: storedF32(seeded(MATRIX.N * K * 64, 7)) })).rejects.toThrow(
      'quantising layers.0.mlp.down_proj.weight failed: the quantisation pool was closed',
    );
    await pool.close();
    await pending;
    expect(threadCount()).toBe(before);

    const crashing = await QuantisePool.start(2, { entry: failingWorker('process.exit(1)') });
    await expect(crashing.quantise({ ...MATRIX, rows: storedF32(seeded(K, 8)) })).rejects.toThrow('exit code 1');
    await crashing.close();
    expect(threadCount()).toBe(before);
  });
});
