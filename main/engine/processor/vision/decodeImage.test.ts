import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readNpySync } from '../../runtime/npy';
import { assertExact } from '../../testing/parity';
import { decodeImage } from './decodeImage';

const fixtures = path.join(import.meta.dirname, '__fixtures__');
const decodeDir = path.join(fixtures, 'decode');
const manifest: { decode: { file: string; mode: string; width: number; height: number }[] } = JSON.parse(
  readFileSync(path.join(fixtures, 'fixtures.json'), 'utf8'),
);

function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const frame = Buffer.alloc(8 + data.length + 4);
  frame.writeUInt32BE(data.length, 0);
  body.copy(frame, 4);
  frame.writeUInt32BE(crc32(body), 8 + data.length);
  return frame;
}

/** A well-formed PNG header announcing `width`×`height` pixels, with (far too little) image data. */
function pngHeaderOnly(width: number, height: number): Uint8Array {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(Buffer.alloc(16))), pngChunk('IEND', Buffer.alloc(0))]);
}

describe('decodeImage', () => {
  it.each(manifest.decode)('decodes $file ($mode) exactly as transformers load_image does', async ({ file, width, height }) => {
    const image = await decodeImage(path.join(decodeDir, file));
    expect([image.width, image.height, image.sourceWidth, image.sourceHeight]).toEqual([width, height, width, height]);
    assertExact(file, readNpySync(path.join(decodeDir, `${file}.npy`)), { data: image.data, shape: [height, width, 3] });
  });

  it('keeps the stored colour of transparent pixels instead of compositing', async () => {
    const image = await decodeImage(path.join(decodeDir, 'png_rgba.png'));
    const opaque = await decodeImage(path.join(decodeDir, 'png_rgb.png'));
    // column 0 has alpha 0 and the same RGB as the opaque version
    expect(Array.from(image.data.subarray(0, 3))).toEqual(Array.from(opaque.data.subarray(0, 3)));
  });

  it('accepts bytes as well as paths', async () => {
    const bytes = readFileSync(path.join(decodeDir, 'jpeg_orientation_6.jpg'));
    const fromBytes = await decodeImage(bytes);
    const fromPath = await decodeImage(path.join(decodeDir, 'jpeg_orientation_6.jpg'));
    expect(fromBytes).toEqual(fromPath);
  });

  it('downscales while decoding above maxDecodedPixels, after orientation, and reports the source size', async () => {
    const image = await decodeImage(path.join(decodeDir, 'jpeg_orientation_6.jpg'), { maxDecodedPixels: 100 });
    expect([image.width, image.height, image.sourceWidth, image.sourceHeight]).toEqual([8, 12, 16, 24]);
    expect(image.data.length).toBe(8 * 12 * 3);
  });

  describe('refuses with IMAGE_DECODE_FAILED naming the file', () => {
    const png = readFileSync(path.join(decodeDir, 'png_rgb.png'));
    const jpeg = readFileSync(path.join(decodeDir, 'jpeg_420.jpg'));
    const bmp = readFileSync(path.join(decodeDir, 'bmp_24.bmp'));
    it.each([
      ['a truncated PNG', 'cut.png', png.subarray(0, png.length - 40), 'cut.png: cannot decode ('],
      ['a truncated JPEG', 'cut.jpg', jpeg.subarray(0, jpeg.length / 2), 'cut.jpg: cannot decode ('],
      ['a truncated BMP', 'cut.bmp', bmp.subarray(0, bmp.length - 10), 'cut.bmp: cannot decode (truncated BMP file)'],
      ['text', 'notes.txt', Buffer.from('hello, this is not an image'), 'notes.txt: not an image file'],
      ['an empty file', 'empty.png', new Uint8Array(0), 'empty.png: empty file'],
      ['SVG', 'drawing.svg', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"/>'), 'drawing.svg: unsupported image format (svg)'],
      ['a 20000x20000 PNG', 'huge.png', pngHeaderOnly(20000, 20000), 'huge.png: image is 20000x20000, more than the 268402689 pixels'],
    ])('%s', async (_, name, bytes, message) => {
      await expect(decodeImage(bytes, { name })).rejects.toMatchObject({ code: 'IMAGE_DECODE_FAILED', message: expect.stringContaining(message) });
    });

    it('a missing file', async () => {
      await expect(decodeImage('/nonexistent/photo.jpg')).rejects.toMatchObject({
        code: 'IMAGE_DECODE_FAILED',
        message: '/nonexistent/photo.jpg: no such file',
      });
    });
  });
});
