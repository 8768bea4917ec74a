/**
 * Host-side inputs of the `vision_encoder` graph (builder/graphs/visionEncoder.ts): one call per image or video,
 * batched over its temporal groups. For a grid `[t, h, w]` every group's h·w patches come in block order
 * (block_row, block_col, inner_row, inner_col) with m×m blocks (qwen3-omni.md §4.3), and each patch needs
 *  - four bilinear taps into the learned `side × side` position table, `align_corners=True`
 *    (transformers' `get_vision_interpolation_indices_and_weights`, qwen3-omni.md §5.2);
 *  - its 2-D rotary angles: row·θ_k then column·θ_k, θ_k = base^(−2k/(head_dim/2)), k < head_dim/4 (§5.3).
 * The arithmetic follows transformers in float32, so taps and weights are bit-identical to its tables.
 */
import type { VisionEncoderSettings } from '../runtime/bundle';

export interface VisionGridInputs {
  /** `pos_idx` `[4, h·w]`: rows of the position table, taps (row₀,col₀), (row₀,col₁), (row₁,col₀), (row₁,col₁). */
  posIdx: BigInt64Array;
  /** `pos_w` `[4, h·w]`. */
  posW: Float32Array;
  /** `rope_cos` / `rope_sin` `[h·w, head_dim/2]`. */
  ropeCos: Float32Array;
  ropeSin: Float32Array;
}

export interface VisionEncoderInputs extends VisionGridInputs {
  /** `pixel_values` `[t, h·w, C·T·p·p]`: this image's or video's rows of the processor output. */
  pixelValues: { data: Float32Array; dims: [number, number, number] };
  /** Rows of `image_features` (and of each deepstack feature): t·h·w / m². */
  tokens: number;
}

const f32 = Math.fround;

/** Block-order patch `index` of an h × w grid → its (row, column). */
function patchPosition(index: number, w: number, merge: number): [number, number] {
  const blocksPerRow = w / merge;
  const inner = index % (merge * merge);
  const block = Math.floor(index / (merge * merge));
  return [Math.floor(block / blocksPerRow) * merge + Math.floor(inner / merge), (block % blocksPerRow) * merge + (inner % merge)];
}

/** The two bilinear taps along one axis of `size` patches into `side` table rows, and their weights. */
function axisTaps(index: number, size: number, side: number): { taps: [number, number]; weights: [number, number] } {
  const source = f32(f32(index * (side - 1)) / Math.max(size - 1, 1));
  const floor = Math.floor(source);
  const distance = f32(source - floor);
  return {
    taps: [Math.min(floor, side - 1), Math.min(floor + 1, side - 1)],
    weights: [Math.max(f32(1 - distance), 0), Math.max(f32(1 - Math.abs(f32(distance - 1))), 0)],
  };
}

/** Position taps and rotary tables for one temporal group of an `h × w` patch grid. */
export function visionGridInputs(h: number, w: number, settings: VisionEncoderSettings): VisionGridInputs {
  const { spatialMergeSize: merge, numGridPerSide: side, headDim, ropeTheta } = settings;
  if (h % merge !== 0 || w % merge !== 0) throw new Error(`visionGridInputs: grid ${h}×${w} is not made of ${merge}×${merge} blocks`);
  const patches = h * w;
  const axisFrequencies = headDim / 4;
  // transformers: inv_freq = 1 / base^(arange(0, head_dim/2, 2) / (head_dim/2)) in float32.
  const inverse = Array.from({ length: axisFrequencies }, (_, k) => f32(1 / f32(ropeTheta ** f32((2 * k) / (headDim / 2)))));
  const posIdx = new BigInt64Array(4 * patches);
  const posW = new Float32Array(4 * patches);
  const ropeCos = new Float32Array(patches * 2 * axisFrequencies);
  const ropeSin = new Float32Array(patches * 2 * axisFrequencies);
  for (let p = 0; p < patches; p++) {
    const [row, col] = patchPosition(p, w, merge);
    const y = axisTaps(row, h, side);
    const x = axisTaps(col, w, side);
    for (let a = 0; a < 2; a++) {
      for (let b = 0; b < 2; b++) {
        posIdx[(2 * a + b) * patches + p] = BigInt(y.taps[a] * side + x.taps[b]);
        posW[(2 * a + b) * patches + p] = f32(y.weights[a] * x.weights[b]);
      }
    }
    for (let k = 0; k < axisFrequencies; k++) {
      const rowAngle = f32(row * inverse[k]);
      const colAngle = f32(col * inverse[k]);
      const at = p * 2 * axisFrequencies + k;
      ropeCos[at] = Math.cos(rowAngle);
      ropeSin[at] = Math.sin(rowAngle);
      ropeCos[at + axisFrequencies] = Math.cos(colAngle);
      ropeSin[at + axisFrequencies] = Math.sin(colAngle);
    }
  }
  return { posIdx, posW, ropeCos, ropeSin };
}

/**
 * One encoder call per grid: `pixelValues` `[Σ t·h·w, C·T·p·p]` and `grids` `[t, h, w]` as the processor returns
 * them for the images (or the videos) of a conversation; the calls' outputs concatenated are transformers' rows.
 */
export function visionEncoderInputs(
  pixelValues: { data: Float32Array; shape: readonly number[] },
  grids: readonly (readonly number[])[],
  settings: VisionEncoderSettings,
): VisionEncoderInputs[] {
  const [rows, width] = pixelValues.shape;
  const total = grids.reduce((sum, [t, h, w]) => sum + t * h * w, 0);
  if (pixelValues.shape.length !== 2 || rows !== total) {
    throw new Error(`visionEncoderInputs: pixel values are [${pixelValues.shape.join(', ')}], the grids need ${total} rows`);
  }
  let offset = 0;
  return grids.map(([t, h, w]) => {
    const patches = h * w;
    const data = pixelValues.data.subarray(offset * width, (offset + t * patches) * width);
    offset += t * patches;
    return {
      pixelValues: { data, dims: [t, patches, width] },
      tokens: (t * patches) / settings.spatialMergeSize ** 2,
      ...visionGridInputs(h, w, settings),
    };
  });
}
