import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from '../../runtime/ort';
import { DataType, floatTensor, GraphBuilder, int64Tensor, INLINE_LIMIT, joinedBytes, streamedFloatTensor } from './graph';
import { DATA_ALIGNMENT, ExternalDataWriter, writeError, type StreamedBytes } from './externalData';
import { testTempDir } from '../../../../test/tempDir';

function seeded(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out[i] = s / 2 ** 31 - 0.5;
  }
  return out;
}

/** `values` in pieces of `size`, as a slab reader hands them out. */
async function* pieces(values: Float32Array, size: number): AsyncGenerator<Float32Array> {
  for (let at = 0; at < values.length; at += size) yield values.slice(at, at + size);
}

describe('GraphBuilder', () => {
  it('writes a graph whose large weights live in the aligned external data file and runs it in ONNX Runtime', async () => {
    const dir = testTempDir('graph');
    const data = await ExternalDataWriter.create(path.join(dir, 'toy.onnx.data'));
    const g = new GraphBuilder('toy', data);
    const K = 64;
    const N = 128;
    const w1 = seeded(K * N, 1);
    const w2 = seeded(K * N, 2);
    const bias = seeded(N, 3);
    const x = g.input('x', DataType.FLOAT, ['batch', K]);
    const [h] = g.node('MatMul', [x, await g.initializer('w1', floatTensor(w1, [K, N]))]);
    const [hb] = g.node('Add', [h, await g.initializer('bias', floatTensor(bias, [N]))]);
    const [y] = g.node('MatMul', [x, await g.initializer('w2', floatTensor(w2, [K, N]))]);
    g.node('Add', [hb, y], {}, { outputs: ['out'] });
    g.output('out', DataType.FLOAT, ['batch', N]);
    await data.close();
    writeFileSync(path.join(dir, 'toy.onnx'), g.toModel({ producerVersion: 'test' }));

    // 32 KiB weights go external at 64 KiB-aligned offsets; the 512-byte bias stays inline.
    expect(K * N * 4).toBeGreaterThan(INLINE_LIMIT);
    expect(statSync(path.join(dir, 'toy.onnx.data')).size).toBe(DATA_ALIGNMENT + K * N * 4);
    expect(statSync(path.join(dir, 'toy.onnx')).size).toBeLessThan(4096);

    const session = await ort.InferenceSession.create(path.join(dir, 'toy.onnx'));
    const input = seeded(2 * K, 4);
    const { out } = await session.run({ x: new ort.Tensor('float32', input, [2, K]) });
    const expected = new Float32Array(2 * N);
    for (let b = 0; b < 2; b++)
      for (let n = 0; n < N; n++) {
        let acc = bias[n];
        for (let k = 0; k < K; k++) acc += input[b * K + k] * (w1[k * N + n] + w2[k * N + n]);
        expected[b * N + n] = acc;
      }
    const got = out.data as Float32Array;
    expect(Math.max(...got.map((v, i) => Math.abs(v - expected[i])))).toBeLessThan(1e-5);
    await session.release();
  });

  it('rolls weights over to numbered data files past the size limit, each tensor whole, and ORT reads them all', async () => {
    const dir = testTempDir('graph');
    const data = await ExternalDataWriter.create(path.join(dir, 'split.onnx.data'), { maxFileBytes: 2 * DATA_ALIGNMENT });
    const g = new GraphBuilder('split', data);
    const K = 64;
    const N = 128; // 32 KiB per weight: two fit in 128 KiB (second at offset 64 KiB), the third rolls over
    let y = g.input('x', DataType.FLOAT, ['batch', K]);
    const weights = [1, 2, 3].map((seed) => seeded(K * N, seed));
    const summed = new Float32Array(K * N);
    for (const [i, w] of weights.entries()) {
      const [product] = g.node('MatMul', ['x', await g.initializer(`w${i}`, floatTensor(w, [K, N]))]);
      y = i === 0 ? product : g.node('Add', [y, product])[0];
      w.forEach((v, j) => (summed[j] += v));
    }
    g.node('Identity', [y], {}, { outputs: ['out'] });
    g.output('out', DataType.FLOAT, ['batch', N]);
    const written = await data.close();
    writeFileSync(path.join(dir, 'split.onnx'), g.toModel({ producerVersion: 'test' }));
    // Each file's size and sha256 come from the bytes as written, the zeros of the alignment gap included.
    expect(written).toEqual(
      ['split.onnx.data', 'split.onnx.data_1'].map((name) => {
        const bytes = readFileSync(path.join(dir, name));
        return { file: path.join(dir, name), bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
      }),
    );
    expect(statSync(path.join(dir, 'split.onnx.data')).size).toBe(DATA_ALIGNMENT + K * N * 4);
    expect(statSync(path.join(dir, 'split.onnx.data_1')).size).toBe(K * N * 4);

    const session = await ort.InferenceSession.create(path.join(dir, 'split.onnx'));
    const input = seeded(K, 4);
    const { out } = await session.run({ x: new ort.Tensor('float32', input, [1, K]) });
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let k = 0; k < K; k++) acc += input[k] * summed[k * N + n];
      expect((out.data as Float32Array)[n]).toBeCloseTo(acc, 4);
    }
    await session.release();
  });

  it('writes a tensor whose bytes arrive in pieces exactly as the whole one, hashed alike, inline when small', async () => {
    const K = 64;
    const N = 128;
    const w = seeded(K * N, 1);
    const small = seeded(8, 2);
    const models = [];
    const written = [];
    const files = [];
    for (const streamed of [false, true]) {
      files.push(path.join(testTempDir('graph'), 'm.onnx.data'));
      const data = await ExternalDataWriter.create(files[files.length - 1]);
      const g = new GraphBuilder('m', data);
      await g.initializer('w', streamed ? streamedFloatTensor(pieces(w, 1000), [K, N]) : floatTensor(w, [K, N]));
      await g.initializer('small', streamed ? streamedFloatTensor(pieces(small, 3), [8]) : floatTensor(small, [8]));
      const halves = joinedBytes([w.subarray(0, 100), w.subarray(100)].map((half) => streamedFloatTensor(pieces(half, 7), [half.length]).bytes as StreamedBytes));
      await g.initializer('joined', streamed ? { dataType: DataType.FLOAT, dims: [K, N], bytes: halves } : floatTensor(w, [K, N]));
      written.push((await data.close()).map((file) => ({ bytes: file.bytes, sha256: file.sha256 })));
      models.push(Buffer.from(g.toModel({ producerVersion: 'test' })));
    }
    expect(written[1]).toEqual(written[0]);
    expect(written[0][0].bytes).toBe(DATA_ALIGNMENT + K * N * 4);
    expect(readFileSync(files[1]).equals(readFileSync(files[0]))).toBe(true);
    expect(models[1].equals(models[0])).toBe(true);
  });

  it('refuses a streamed tensor whose pieces do not add up to the length it announced', async () => {
    const dir = testTempDir('graph');
    const file = path.join(dir, 'bad.onnx.data');
    const data = await ExternalDataWriter.create(file);
    const g = new GraphBuilder('bad', data);
    const values = seeded(INLINE_LIMIT / 4 + 2);
    const n = values.length;
    await expect(g.initializer('short', streamedFloatTensor(pieces(values, 100), [n + 1]))).rejects.toThrow(`${file}: a tensor announced as ${(n + 1) * 4} bytes brought ${n * 4}`);
    await expect(g.initializer('long', streamedFloatTensor(pieces(values, 100), [n - 1]))).rejects.toThrow(`${file}: a tensor announced as ${(n - 1) * 4} bytes brought more`);
    await expect(g.initializer('inline', streamedFloatTensor(pieces(seeded(2), 1), [3]))).rejects.toThrow('a tensor announced as 12 bytes brought 8');
    await data.close();
  });

  it('shares one initializer between identical constants and refuses duplicate names', async () => {
    const dir = testTempDir('graph');
    const data = await ExternalDataWriter.create(path.join(dir, 'c.onnx.data'));
    const g = new GraphBuilder('c', data);
    const a = g.constant(int64Tensor([1, -1]));
    const b = g.constant(int64Tensor([1, -1]));
    const c = g.constant(int64Tensor([2, -1]));
    expect(a).toBe(b);
    expect(c).not.toBe(a);
    g.node('Relu', ['x'], {}, { name: '/layer/relu' });
    expect(() => g.node('Relu', ['x'], {}, { name: '/layer/relu' })).toThrow('graph c: duplicate name /layer/relu');
    await data.close();
    expect(readFileSync(path.join(dir, 'c.onnx.data')).length).toBe(0);
  });

  it('reports a full disk as DISK_FULL naming the file', () => {
    const error = writeError('/bundles/int4/thinker.onnx.data', Object.assign(new Error('no space'), { code: 'ENOSPC' }));
    expect(error.code).toBe('DISK_FULL');
    expect(error.message).toBe('/bundles/int4/thinker.onnx.data: the disk is full');
  });
});
