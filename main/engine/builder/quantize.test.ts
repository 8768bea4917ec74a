import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { dequantizeInt4, quantizeInt4 } from './quantize';

const { onnx } = onnxProto;

function seeded(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    out[i] = (s / 2 ** 31 - 0.5) * 0.2;
  }
  return out;
}

const bytesOf = (a: Float32Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** A one-node MatMulNBits model (accuracy_level 0: fp32 activations, so the comparison is exact). */
function matMulNBitsModel(N: number, K: number, blockSize: number, packed: Uint8Array, scales: Float32Array): Uint8Array {
  const nBlocks = Math.ceil(K / blockSize);
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 10,
      opsetImport: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }],
      graph: {
        name: 'q',
        node: [{
          opType: 'MatMulNBits', domain: 'com.microsoft', input: ['a', 'b', 'scales'], output: ['y'],
          attribute: [
            { name: 'K', type: 2, i: K }, { name: 'N', type: 2, i: N }, { name: 'bits', type: 2, i: 4 },
            { name: 'block_size', type: 2, i: blockSize }, { name: 'accuracy_level', type: 2, i: 0 },
          ],
        }],
        initializer: [
          { name: 'b', dataType: 2, dims: [N, nBlocks, blockSize / 2], rawData: packed },
          { name: 'scales', dataType: 1, dims: [N * nBlocks], rawData: bytesOf(scales) },
        ],
        input: [{ name: 'a', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 3 }, { dimValue: K }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 3 }, { dimValue: N }] } } } }],
      },
    }),
  ).finish();
}

describe('int4 quantisation', () => {
  it('packs MatMulNBits weights the way the CPU kernel reads them (padded K included)', async () => {
    const N = 24;
    const K = 80; // not a multiple of the block: the last block is zero-padded
    const blockSize = 32;
    const weight = seeded(N * K, 7);
    const q = quantizeInt4(weight, N, K, blockSize, 'matmulnbits');
    const dequant = dequantizeInt4(q, N, K, blockSize);
    const session = await ort.InferenceSession.create(matMulNBitsModel(N, K, blockSize, q.packed, q.scales));
    const a = seeded(3 * K, 9);
    const { y } = await session.run({ a: new ort.Tensor('float32', a, [3, K]) });
    let worst = 0;
    for (let m = 0; m < 3; m++)
      for (let n = 0; n < N; n++) {
        let acc = 0;
        for (let k = 0; k < K; k++) acc += a[m * K + k] * dequant[n * K + k];
        worst = Math.max(worst, Math.abs((y.data as Float32Array)[m * N + n] - acc));
      }
    expect(worst).toBeLessThan(1e-5);
    await session.release();
  });

  it('maps the largest-magnitude element of a block exactly and keeps every error within half a step', () => {
    const weight = Float32Array.from({ length: 32 }, (_, k) => (k === 5 ? -0.8 : Math.sin(k) * 0.3));
    for (const scheme of ['matmulnbits', 'qmoe'] as const) {
      const q = quantizeInt4(weight, 1, 32, 32, scheme);
      const back = dequantizeInt4(q, 1, 32, 32);
      expect(back[5]).toBeCloseTo(-0.8, 6);
      const step = Math.abs(q.scales[0]);
      for (let k = 0; k < 32; k++) expect(Math.abs(back[k] - weight[k])).toBeLessThanOrEqual(step / 2 + 1e-7);
    }
    expect(quantizeInt4(weight, 1, 32, 32, 'matmulnbits').scales[0]).toBeCloseTo(0.1, 6);
    expect(quantizeInt4(weight, 1, 32, 32, 'qmoe').scales[0]).toBeCloseTo(0.1, 6);
  });

  it('quantises an all-zero block to zeros and rejects a bad block size', () => {
    const q = quantizeInt4(new Float32Array(32), 1, 32, 32, 'matmulnbits');
    expect(Array.from(dequantizeInt4(q, 1, 32, 32)).every((v) => v === 0)).toBe(true);
    expect(() => quantizeInt4(new Float32Array(48), 1, 48, 24, 'qmoe')).toThrow('block size 24 is not a power of two ≥ 16');
  });
});
