import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { roundHalfEven, smartResize } from './smartResize';

interface Case {
  height: number;
  width: number;
  min_pixels: number;
  max_pixels: number;
  result?: [number, number];
  error?: string;
}

const cases: Case[] = JSON.parse(readFileSync(path.join(import.meta.dirname, '__fixtures__', 'smart_resize.json'), 'utf8'));
const omni = { factor: 32, minPixels: 3136, maxPixels: 12845056 };

describe('smartResize', () => {
  it('rounds each side to the nearest multiple of 32, ties to even like Python', () => {
    expect(smartResize(53, 75, omni)).toEqual([64, 64]);
    expect(smartResize(1080, 1920, omni)).toEqual([1088, 1920]);
    // 80/32 = 2.5 and 48/32 = 1.5 both round to 2: Math.round would give 96 for the first
    expect(smartResize(80, 80, omni)).toEqual([64, 64]);
    expect(smartResize(48, 48, omni)).toEqual([64, 64]);
    expect([0.5, 1.5, 2.5, 3.4999, 3.5, 4.5].map(roundHalfEven)).toEqual([0, 2, 2, 3, 4, 4]);
  });

  it('scales up to min_pixels and down to max_pixels keeping the aspect ratio', () => {
    expect(smartResize(8, 400, omni)).toEqual([32, 416]);
    expect(smartResize(1080, 1920, { factor: 32, minPixels: 131072, maxPixels: 786432 })).toEqual([640, 1152]);
  });

  it('refuses an aspect ratio above 200 with transformers\' message', () => {
    expect(() => smartResize(32, 6401, omni)).toThrow(new RangeError('absolute aspect ratio must be smaller than 200, got 200.03125'));
    expect(smartResize(32, 6400, omni)).toEqual([32, 6400]);
  });

  it(`matches transformers' smart_resize on all ${cases.length} reference cases`, () => {
    for (const c of cases) {
      const run = () => smartResize(c.height, c.width, { factor: 32, minPixels: c.min_pixels, maxPixels: c.max_pixels });
      if (c.error) expect(run, JSON.stringify(c)).toThrow(c.error);
      else expect(run(), JSON.stringify(c)).toEqual(c.result);
    }
  });
});
