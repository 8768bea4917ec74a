import { describe, expect, it } from 'vitest';
import { patchify } from './patchify';

/** Identity table: a byte reads back as its own value, so outputs show where each pixel went. */
const identity = [0, 1, 2].map(() => Float32Array.from({ length: 256 }, (_, v) => v));
const geometry = { patchSize: 16, mergeSize: 2, temporalPatchSize: 2 };

/** 64 wide, 32 high: R = x, G = y, B = the frame's tag. */
function frame(tag: number): Uint8Array {
  const data = new Uint8Array(64 * 32 * 3);
  for (let y = 0; y < 32; y++) {
    for (let x = 0; x < 64; x++) data.set([x, y, tag], (y * 64 + x) * 3);
  }
  return data;
}

/** qwen3-omni.md §4.3 written out: row (t, block row, block col, inner row, inner col), column (c, f, y, x). */
function expectedValue(row: number, col: number, gridH: number, gridW: number, tags: number[]): number {
  const [c, f, py, px] = [Math.floor(col / 512), Math.floor(col / 256) % 2, Math.floor(col / 16) % 16, col % 16];
  const perGroup = gridH * gridW;
  const t = Math.floor(row / perGroup);
  const r = row % perGroup;
  const [blockRow, blockCol, innerRow, innerCol] = [Math.floor(r / (2 * gridW)), Math.floor(r / 4) % (gridW / 2), Math.floor(r / 2) % 2, r % 2];
  const y = (blockRow * 2 + innerRow) * 16 + py;
  const x = (blockCol * 2 + innerCol) * 16 + px;
  return [x, y, tags[Math.min(t * 2 + f, tags.length - 1)]][c];
}

describe('patchify', () => {
  it('orders rows by 2x2 merge blocks and each row as (channel, frame, y, x); an image fills both frames', () => {
    const { pixelValues, gridThw } = patchify([frame(7)], 64, 32, identity, geometry);
    expect(gridThw).toEqual([1, 2, 4]);
    expect(pixelValues.length).toBe(8 * 1536);
    for (let row = 0; row < 8; row++) {
      for (let col = 0; col < 1536; col++) {
        if (pixelValues[row * 1536 + col] !== expectedValue(row, col, 2, 4, [7])) {
          throw new Error(`row ${row} col ${col}: ${pixelValues[row * 1536 + col]} != ${expectedValue(row, col, 2, 4, [7])}`);
        }
      }
    }
    // spot checks by hand: row 2 is the first patch of the second patch row of block (0,0)
    expect(pixelValues[2 * 1536 + 0]).toBe(0); // R = x = 0
    expect(pixelValues[2 * 1536 + 512]).toBe(16); // G = y = 16
    expect(pixelValues[4 * 1536 + 0]).toBe(32); // row 4 = block (0,1): x starts at 32
  });

  it('groups video frames in pairs and repeats the last frame of an odd count', () => {
    const tags = [10, 20, 30];
    const { pixelValues, gridThw } = patchify(tags.map(frame), 64, 32, identity, geometry);
    expect(gridThw).toEqual([2, 2, 4]);
    for (let row = 0; row < 16; row++) {
      for (const col of [1024, 1024 + 255, 1280, 1535, 0, 700]) {
        expect(pixelValues[row * 1536 + col]).toBe(expectedValue(row, col, 2, 4, tags));
      }
    }
  });

  it('applies the per-channel table', () => {
    const table = [0, 1, 2].map((c) => Float32Array.from({ length: 256 }, (_, v) => v * 10 + c));
    const { pixelValues } = patchify([frame(3)], 64, 32, table, geometry);
    expect([pixelValues[0], pixelValues[512], pixelValues[1024]]).toEqual([0, 1, 32]);
  });

  it('refuses sizes that are not multiples of patch x merge', () => {
    expect(() => patchify([new Uint8Array(48 * 32 * 3)], 48, 32, identity, geometry)).toThrow(/48x32 is not a multiple/);
  });
});
