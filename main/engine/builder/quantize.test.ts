import { describe, expect, it } from 'vitest';
import * as ort from '../runtime/ort';
import onnxProto from 'onnx-proto';
import { dequantize, packLevels, quantizeBlockwise, RowQuantiser, type WeightBits } from './quantize';
import { storedF32 } from './safetensors';
import { seeded } from './testing/writeSafetensors';

const { onnx } = onnxProto;

const bytesOf = (a: Float32Array | Uint8Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** Normal(0, 1) values from a fixed seed (Box–Muller over an LCG). */
function normal(n: number, seed: number): Float32Array {
  const uniform = seeded(2 * n, seed, 0.5).map((u) => u + 0.5 + 1e-9);
  return Float32Array.from({ length: n }, (_, i) => Math.sqrt(-2 * Math.log(uniform[2 * i])) * Math.cos(2 * Math.PI * uniform[2 * i + 1]));
}

/** A one-node MatMulNBits model with zero points (accuracy_level 0: fp32 activations, so the comparison is exact). */
function matMulNBitsModel(N: number, K: number, blockSize: number, bits: WeightBits, packed: Uint8Array, scales: Float32Array, zeroPoints: Uint8Array): Uint8Array {
  const nBlocks = Math.ceil(K / blockSize);
  return onnx.ModelProto.encode(
    onnx.ModelProto.create({
      irVersion: 10,
      opsetImport: [{ domain: '', version: 21 }, { domain: 'com.microsoft', version: 1 }],
      graph: {
        name: 'q',
        node: [{
          opType: 'MatMulNBits', domain: 'com.microsoft', input: ['a', 'b', 'scales', 'zp'], output: ['y'],
          attribute: [
            { name: 'K', type: 2, i: K }, { name: 'N', type: 2, i: N }, { name: 'bits', type: 2, i: bits },
            { name: 'block_size', type: 2, i: blockSize }, { name: 'accuracy_level', type: 2, i: 0 },
          ],
        }],
        initializer: [
          { name: 'b', dataType: 2, dims: [N, nBlocks, (blockSize * bits) / 8], rawData: packed },
          { name: 'scales', dataType: 1, dims: [N * nBlocks], rawData: bytesOf(scales) },
          { name: 'zp', dataType: 2, dims: [zeroPoints.length], rawData: zeroPoints },
        ],
        input: [{ name: 'a', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 3 }, { dimValue: K }] } } } }],
        output: [{ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimValue: 3 }, { dimValue: N }] } } } }],
      },
    }),
  ).finish();
}

/** Σ (x − x̂)² of plain round-to-nearest over a block's whole range [min(x, 0), max(x, 0)], zero point fitted. */
function fullRangeError(block: Float32Array, bits: WeightBits): number {
  const maxLevel = 2 ** bits - 1;
  const lo = Math.min(0, ...block);
  const hi = Math.max(0, ...block);
  const scale = (hi - lo) / maxLevel;
  const zp = Math.round(-lo / scale);
  return block.reduce((sum, x) => sum + (x - (Math.min(maxLevel, Math.max(0, Math.round(x / scale) + zp)) - zp) * scale) ** 2, 0);
}

/** Relative RMS error of the symmetric absmax scheme the builder used before (MLAS `range2scale`). */
function absmaxRelativeError(weight: Float32Array, blockSize: number): number {
  let error = 0;
  let total = 0;
  for (let start = 0; start < weight.length; start += blockSize) {
    const block = weight.subarray(start, start + blockSize);
    const extreme = block.reduce((v, x) => (Math.abs(x) > Math.abs(v) ? x : v), 0);
    const scale = extreme / -8;
    for (const x of block) {
      error += (x - (Math.min(15, Math.max(0, Math.round(x / scale) + 8)) - 8) * scale) ** 2;
      total += x * x;
    }
  }
  return Math.sqrt(error / total);
}

function relativeError(weight: Float32Array, approx: Float32Array): number {
  let error = 0;
  let total = 0;
  weight.forEach((x, i) => {
    error += (x - approx[i]) ** 2;
    total += x * x;
  });
  return Math.sqrt(error / total);
}

describe('block-wise weight quantisation', () => {
  for (const bits of [4, 8] as const) {
    it(`packs ${bits}-bit MatMulNBits weights and zero points the way the CPU kernel reads them (padded K included)`, async () => {
      const N = 24;
      const K = 80; // not a multiple of the block: the last block is zero-padded
      const blockSize = 32;
      const weight = seeded(N * K, 7, 0.1);
      const q = quantizeBlockwise(weight, N, K, blockSize, { bits, symmetric: false });
      const dequant = dequantize(q, N, K, blockSize);
      const session = await ort.InferenceSession.create(matMulNBitsModel(N, K, blockSize, bits, q.packed, q.scales, packLevels(q.zeroPoints, N, q.nBlocks, bits)));
      const a = seeded(3 * K, 9, 0.1);
      const { y } = await session.run({ a: new ort.Tensor('float32', a, [3, K]) });
      let worst = 0;
      for (let m = 0; m < 3; m++)
        for (let n = 0; n < N; n++) {
          let acc = 0;
          for (let k = 0; k < K; k++) acc += a[m * K + k] * dequant[n * K + k];
          worst = Math.max(worst, Math.abs((y.data as Float32Array)[m * N + n] - acc));
        }
      expect(worst).toBeLessThan(1e-6);
      await session.release();
    });
  }

  it('is never worse, block by block, than round-to-nearest over the full range', () => {
    const blockSize = 32;
    const weight = normal(64 * blockSize, 3);
    for (const bits of [4, 8] as const) {
      const q = quantizeBlockwise(weight, 64, blockSize, blockSize, { bits, symmetric: false });
      const back = dequantize(q, 64, blockSize, blockSize);
      for (let b = 0; b < 64; b++) {
        const block = weight.subarray(b * blockSize, (b + 1) * blockSize);
        const error = block.reduce((sum, x, k) => sum + (x - back[b * blockSize + k]) ** 2, 0);
        expect(error).toBeLessThanOrEqual(fullRangeError(block, bits) * (1 + 1e-6));
      }
    }
  });

  it('cuts the 4-bit RMS error on normal weights against symmetric absmax: 7 % with fitted zero points, 3–6 % with zero point 8', () => {
    const weight = normal(256 * 128, 5);
    for (const blockSize of [32, 128]) {
      const before = absmaxRelativeError(weight, blockSize);
      for (const symmetric of [false, true]) {
        const after = relativeError(weight, dequantize(quantizeBlockwise(weight, 256, 128, blockSize, { bits: 4, symmetric }), 256, 128, blockSize));
        expect(after / before).toBeLessThan(symmetric ? (blockSize === 32 ? 0.97 : 0.95) : 0.93);
      }
    }
  });

  it('keeps zero point 8 when symmetric, and quantises an all-zero block to zeros', () => {
    const q = quantizeBlockwise(normal(4 * 32, 8), 4, 32, 32, { bits: 4, symmetric: true });
    expect(Array.from(q.zeroPoints)).toEqual([8, 8, 8, 8]);
    for (const symmetric of [false, true]) {
      const zero = quantizeBlockwise(new Float32Array(32), 1, 32, 32, { bits: 4, symmetric });
      expect(Array.from(dequantize(zero, 1, 32, 32)).every((v) => v === 0)).toBe(true);
    }
  });

  it('takes one whole even row as a block (QMoE per-row scales) and rejects any other block that is not a power of two ≥ 16', () => {
    expect(quantizeBlockwise(normal(48, 1), 1, 48, 48, { bits: 4, symmetric: true }).nBlocks).toBe(1);
    expect(() => quantizeBlockwise(new Float32Array(48), 1, 48, 24, { bits: 4, symmetric: true })).toThrow('block size 24 is not a power of two ≥ 16');
    expect(() => quantizeBlockwise(new Float32Array(40), 1, 48, 16, { bits: 4, symmetric: false })).toThrow('weight has 40 values, [1, 48] expected');
  });

  it('packs 4-bit levels two per byte, the first in the low nibble, each row to whole bytes', () => {
    expect(Array.from(packLevels(Uint8Array.of(1, 2, 3, 4, 5, 6), 2, 3, 4))).toEqual([0x21, 0x03, 0x54, 0x06]);
    expect(Array.from(packLevels(Uint8Array.of(200, 7), 2, 1, 8))).toEqual([200, 7]);
  });

  it('quantises a matrix arriving in blocks of rows exactly as the whole matrix: levels as they come, then scales and zero points', async () => {
    const [N, K, blockSize] = [10, 80, 32]; // 3 blocks per row, the last one partial: 4-bit zero points pack to 2 bytes a row
    const weight = normal(N * K, 9);
    async function* rowBlocks(ranges: [number, number][]) {
      for (const [from, to] of ranges) yield storedF32(weight.slice(from * K, to * K));
    }
    for (const bits of [4, 8] as const) {
      const whole = quantizeBlockwise(weight, N, K, blockSize, { bits, symmetric: false });
      const q = new RowQuantiser({ tensor: 'w', N, K, blockSize, format: { bits, symmetric: false } });
      const packed = [];
      for await (const levels of q.packed(rowBlocks([[0, 3], [3, 4], [4, 10]]))) packed.push(...levels);
      expect(q.packedBytes).toBe(whole.packed.length);
      expect(Uint8Array.from(packed)).toEqual(whole.packed);
      expect(q.allScales).toEqual(whole.scales);
      expect(q.packedZeroPoints).toEqual(packLevels(whole.zeroPoints, N, whole.nBlocks, bits));
    }
    const unfinished = new RowQuantiser({ tensor: 'layers.0.mlp.up_proj.weight', N, K, blockSize, format: { bits: 4, symmetric: false } });
    for await (const levels of unfinished.packed(rowBlocks([[0, 3]]))) expect(levels.length).toBe((3 * 3 * blockSize) / 2);
    expect(() => unfinished.allScales).toThrow('RowQuantiser: 3 of 10 rows of layers.0.mlp.up_proj.weight quantised');
  });
});
