/**
 * 4-bit round-to-nearest quantisation in the two layouts ONNX Runtime's CPU kernels read (onnx-bundle.md §5):
 *  - MatMulNBits: per output row n, blocks along K; symmetric MLAS style — the element of largest magnitude keeps
 *    its sign and maps to −8, so `scale = v / −8` and `q = clamp(round(x / scale) + 8, 0, 15)`.
 *  - QMoE experts: `scale = absmax / 8` (positive), `q = clamp(round(x / scale), −8, 7) + 8`.
 * Both pack two values per byte, even k in the low nibble, and dequantise as `(q − 8) · scale`.
 */

export interface Int4Weights {
  /** uint8 `[N, nBlocks, blockSize / 2]`. */
  packed: Uint8Array;
  /** fp32 `[N, nBlocks]`. */
  scales: Float32Array;
  nBlocks: number;
}

export type Int4Scheme = 'matmulnbits' | 'qmoe';

/**
 * Quantises `weight`, an HF Linear weight `[N = out, K = in]` in row-major order. K is zero-padded to a whole
 * number of blocks, as the kernels expect; for 'qmoe', `blockSize === K` gives per-row scales.
 */
export function quantizeInt4(weight: Float32Array, N: number, K: number, blockSize: number, scheme: Int4Scheme): Int4Weights {
  if (weight.length !== N * K) throw new Error(`quantizeInt4: weight has ${weight.length} values, [${N}, ${K}] expected`);
  // QMoE also takes one scale per output row (no block_size attribute): the fallback when no block size divides K.
  const perRow = scheme === 'qmoe' && blockSize === K && K % 2 === 0;
  if (!perRow && (blockSize < 16 || (blockSize & (blockSize - 1)) !== 0)) throw new Error(`quantizeInt4: block size ${blockSize} is not a power of two ≥ 16`);
  const nBlocks = Math.ceil(K / blockSize);
  const blockBytes = blockSize / 2;
  const packed = new Uint8Array(N * nBlocks * blockBytes);
  const scales = new Float32Array(N * nBlocks);
  for (let n = 0; n < N; n++) {
    const row = n * K;
    for (let b = 0; b < nBlocks; b++) {
      const start = b * blockSize;
      const end = Math.min(K, start + blockSize);
      let extreme = 0;
      for (let k = start; k < end; k++) if (Math.abs(weight[row + k]) > Math.abs(extreme)) extreme = weight[row + k];
      const scale = scheme === 'matmulnbits' ? extreme / -8 : Math.abs(extreme) / 8;
      scales[n * nBlocks + b] = scale;
      const inverse = scale === 0 ? 0 : 1 / scale;
      const out = (n * nBlocks + b) * blockBytes;
      for (let k = start; k < start + blockSize; k += 2) {
        const lo = k < end ? level(weight[row + k] * inverse, scheme) : 8;
        const hi = k + 1 < end ? level(weight[row + k + 1] * inverse, scheme) : 8;
        packed[out + (k - start) / 2] = lo | (hi << 4);
      }
    }
  }
  return { packed, scales, nBlocks };
}

function level(scaled: number, scheme: Int4Scheme): number {
  const rounded = Math.round(scaled);
  return scheme === 'matmulnbits' ? Math.min(15, Math.max(0, rounded + 8)) : Math.min(7, Math.max(-8, rounded)) + 8;
}

/** The exact fp32 weight `[N, K]` the kernels compute with. */
export function dequantizeInt4(q: Int4Weights, N: number, K: number, blockSize: number): Float32Array {
  const out = new Float32Array(N * K);
  const blockBytes = blockSize / 2;
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const b = Math.floor(k / blockSize);
      const byte = q.packed[(n * q.nBlocks + b) * blockBytes + Math.floor((k % blockSize) / 2)];
      const nibble = k % 2 === 0 ? byte & 0x0f : byte >> 4;
      out[n * K + k] = (nibble - 8) * q.scales[n * q.nBlocks + b];
    }
  }
  return out;
}
