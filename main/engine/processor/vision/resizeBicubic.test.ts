import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readNpySync } from '../../runtime/npy';
import { assertExact } from '../../testing/parity';
import { resizeBicubic } from './resizeBicubic';

const fixtures = path.join(import.meta.dirname, '__fixtures__');
const manifest: { resize: { source: string; width: number; height: number; expected: string }[] } = JSON.parse(
  readFileSync(path.join(fixtures, 'fixtures.json'), 'utf8'),
);

describe('resizeBicubic', () => {
  it.each(manifest.resize)('equals Pillow Image.resize(BICUBIC) of $source to $width x $height byte for byte', (c) => {
    const source = readNpySync(path.join(fixtures, 'resize', c.source));
    const expected = readNpySync(path.join(fixtures, 'resize', c.expected));
    const [height, width] = source.shape;
    const actual = resizeBicubic(source.data as Uint8Array, width, height, c.width, c.height);
    assertExact(c.expected, expected, { data: actual, shape: [c.height, c.width, 3] });
  });

  it('returns the input itself when the size does not change', () => {
    const src = new Uint8Array(4 * 2 * 3).map((_, i) => i);
    expect(resizeBicubic(src, 4, 2, 4, 2)).toBe(src);
  });

  it('keeps a constant image constant at any scale', () => {
    const src = new Uint8Array(37 * 23 * 3).fill(200);
    for (const [w, h] of [[5, 3], [64, 64], [37, 64], [100, 7]]) {
      expect(resizeBicubic(src, 37, 23, w, h).every((v) => v === 200)).toBe(true);
    }
  });
});
