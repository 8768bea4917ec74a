/**
 * Flattening of RGB frames into the vision encoder's patch rows (qwen3-omni.md §4.3). Rows are ordered
 * (temporal group, block row, block column, row in block, column in block); each row holds
 * (channel, frame in group, y, x) — the Conv3d weight layout [out, 3, Tp, p, p].
 */

export interface PatchGeometry {
  patchSize: number;
  mergeSize: number;
  temporalPatchSize: number;
}

export interface Patches {
  pixelValues: Float32Array;
  gridThw: [number, number, number];
}

/**
 * `frames` are interleaved RGB bytes of `width`×`height` (multiples of patch·merge). A frame count that is not a
 * multiple of the temporal patch size is padded by repeating the last frame, which is also how a single image
 * becomes one temporal group. `table[c][v]` is the normalised value of byte v in channel c.
 */
export function patchify(frames: readonly Uint8Array[], width: number, height: number, table: readonly Float32Array[], geometry: PatchGeometry): Patches {
  const { patchSize: p, mergeSize: m, temporalPatchSize: tp } = geometry;
  if (frames.length === 0) throw new RangeError('patchify needs at least one frame');
  if (width % (p * m) !== 0 || height % (p * m) !== 0) {
    throw new RangeError(`${width}x${height} is not a multiple of patch ${p} × merge ${m}`);
  }
  const gridT = Math.ceil(frames.length / tp);
  const gridH = height / p;
  const gridW = width / p;
  const rowLength = 3 * tp * p * p;
  const out = new Float32Array(gridT * gridH * gridW * rowLength);
  const stride = width * 3;
  let row = 0;
  for (let t = 0; t < gridT; t++) {
    for (let by = 0; by < gridH / m; by++) {
      for (let bx = 0; bx < gridW / m; bx++) {
        for (let iy = 0; iy < m; iy++) {
          for (let ix = 0; ix < m; ix++, row++) {
            const y0 = (by * m + iy) * p;
            const x0 = (bx * m + ix) * p;
            for (let f = 0; f < tp; f++) {
              const frame = frames[Math.min(t * tp + f, frames.length - 1)];
              for (let c = 0; c < 3; c++) {
                const lut = table[c];
                let o = row * rowLength + (c * tp + f) * p * p;
                for (let y = 0; y < p; y++) {
                  let i = (y0 + y) * stride + x0 * 3 + c;
                  for (let x = 0; x < p; x++, i += 3) out[o++] = lut[frame[i]];
                }
              }
            }
          }
        }
      }
    }
  }
  return { pixelValues: out, gridThw: [gridT, gridH, gridW] };
}
