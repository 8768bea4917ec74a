import { describe, expect, it } from 'vitest';
import { visionEncoderInputs, visionGridInputs } from './visionEncoderInputs';

/** The real checkpoint's settings (qwen3-omni.md §5): 48×48 table, head 72, rope base 10000. */
const SETTINGS = { spatialMergeSize: 2, numGridPerSide: 48, headDim: 72, ropeTheta: 10000 };

/** Block order of an h × w grid (qwen3-omni.md §4.3): patch → [row, col]. */
function blockOrder(h: number, w: number): [number, number][] {
  const order: [number, number][] = [];
  for (let br = 0; br < h / 2; br++) for (let bc = 0; bc < w / 2; bc++) for (let r = 0; r < 2; r++) for (let c = 0; c < 2; c++) order.push([2 * br + r, 2 * bc + c]);
  return order;
}

/** `F.interpolate(table, (h, w), mode='bilinear', align_corners=True)` at one output pixel, in float64. */
function bilinear(table: (y: number, x: number) => number, side: number, h: number, w: number, row: number, col: number): number {
  const y = h > 1 ? (row * (side - 1)) / (h - 1) : 0;
  const x = w > 1 ? (col * (side - 1)) / (w - 1) : 0;
  const y0 = Math.floor(y);
  const x0 = Math.floor(x);
  const y1 = Math.min(y0 + 1, side - 1);
  const x1 = Math.min(x0 + 1, side - 1);
  const dy = y - y0;
  const dx = x - x0;
  return (1 - dy) * (1 - dx) * table(y0, x0) + (1 - dy) * dx * table(y0, x1) + dy * (1 - dx) * table(y1, x0) + dy * dx * table(y1, x1);
}

describe('visionGridInputs', () => {
  for (const [h, w] of [[4, 6], [2, 26], [48, 48], [96, 64]]) {
    it(`${h}×${w}: the taps resample the position table bilinearly (align_corners) in block order`, () => {
      const side = SETTINGS.numGridPerSide;
      const table = (y: number, x: number) => Math.sin(y * 0.7) + Math.cos(x * 1.3) + y * x * 1e-3;
      const { posIdx, posW } = visionGridInputs(h, w, SETTINGS);
      const patches = h * w;
      blockOrder(h, w).forEach(([row, col], p) => {
        let value = 0;
        let total = 0;
        for (let tap = 0; tap < 4; tap++) {
          const index = Number(posIdx[tap * patches + p]);
          value += posW[tap * patches + p] * table(Math.floor(index / side), index % side);
          total += posW[tap * patches + p];
        }
        expect(value).toBeCloseTo(bilinear(table, side, h, w, row, col), 5);
        expect(total).toBeCloseTo(1, 6);
      });
      // The grid's corners are the table's corners, taken whole.
      expect([posIdx[0], posW[0]]).toEqual([0n, 1]);
      const last = blockOrder(h, w).findIndex(([r, c]) => r === h - 1 && c === w - 1);
      expect(Array.from({ length: 4 }, (_, tap) => posW[tap * patches + last] * Number(posIdx[tap * patches + last])).reduce((a, b) => a + b)).toBe(side * side - 1);
    });
  }

  it('rotary: row angles then column angles, θ_k = 10000^(−2k/36) for k < 18', () => {
    const h = 4;
    const w = 6;
    const { ropeCos, ropeSin } = visionGridInputs(h, w, SETTINGS);
    expect(ropeCos.length).toBe(h * w * 36);
    blockOrder(h, w).forEach(([row, col], p) => {
      for (let k = 0; k < 18; k++) {
        const theta = 10000 ** (-(2 * k) / 36);
        expect(ropeCos[p * 36 + k]).toBeCloseTo(Math.cos(row * theta), 6);
        expect(ropeSin[p * 36 + k]).toBeCloseTo(Math.sin(row * theta), 6);
        expect(ropeCos[p * 36 + 18 + k]).toBeCloseTo(Math.cos(col * theta), 6);
        expect(ropeSin[p * 36 + 18 + k]).toBeCloseTo(Math.sin(col * theta), 6);
      }
    });
  });

  it('refuses a grid that is not made of merge blocks', () => {
    expect(() => visionGridInputs(3, 4, SETTINGS)).toThrow('grid 3×4 is not made of 2×2 blocks');
  });
});

describe('visionEncoderInputs', () => {
  it("gives one call per image/video over its own rows, grouped by temporal patch, with its token count", () => {
    const width = 3;
    const grids = [[1, 2, 2], [2, 4, 6]];
    const rows = 4 + 48;
    const pixelValues = { data: Float32Array.from({ length: rows * width }, (_, i) => i), shape: [rows, width] };
    const calls = visionEncoderInputs(pixelValues, grids, SETTINGS);
    expect(calls.map((c) => [c.pixelValues.dims, c.tokens, c.posW.length])).toEqual([
      [[1, 4, width], 1, 16],
      [[2, 24, width], 12, 96],
    ]);
    expect(calls[1].pixelValues.data[0]).toBe(4 * width);
    expect(calls[1].pixelValues.data.length).toBe(48 * width);
    expect(() => visionEncoderInputs({ data: pixelValues.data, shape: [rows - 1, width] }, grids, SETTINGS)).toThrow('the grids need 52 rows');
  });
});
