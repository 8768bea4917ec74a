import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { readNpySync } from '../../runtime/npy';
import { goldenCaseNames, loadGoldenCase, TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { assertClose, assertExact } from '../../testing/parity';
import { type ImageProcessorConfig, loadPreprocessorConfig } from '../config';
import { processImage } from './imageProcessor';
import { smartResize } from './smartResize';

const qwen3Omni = loadPreprocessorConfig(TINY_CHECKPOINT_DIR).imageProcessor;
const fixtures = path.join(import.meta.dirname, '__fixtures__');

/** The bounds: exact where transformers did not resample, close where Pillow bicubic ran. */
function tolerance(width: number, height: number) {
  const [h, w] = smartResize(height, width, { factor: 32, minPixels: qwen3Omni.minPixels, maxPixels: qwen3Omni.maxPixels });
  return h === height && w === width ? { atol: 1e-5 } : { atol: 0.05, maxMeanAbs: 0.005 };
}

const imageCases = goldenCaseNames().filter((name) => loadGoldenCase(name).info.images.length > 0);

describe('processImage', () => {
  it.each(imageCases)('reproduces pixel_values and image_grid_thw of golden case %s', async (name) => {
    const golden = loadGoldenCase(name);
    const expected = golden.array('pixel_values', 'float32');
    const grids = golden.array('image_grid_thw', 'int64');
    let row = 0;
    for (const [i, image] of golden.info.images.entries()) {
      const { pixelValues, gridThw } = await processImage(golden.mediaPath(image.source), qwen3Omni);
      assertExact(`${name} image_grid_thw[${i}]`, grids.data.subarray(3 * i, 3 * i + 3), gridThw.map(BigInt));
      const rows = gridThw[0] * gridThw[1] * gridThw[2];
      const slice = expected.data.subarray(row * 1536, (row + rows) * 1536);
      assertClose(`${name} pixel_values of ${image.source}`, slice, pixelValues, tolerance(image.loaded_width, image.loaded_height));
      row += rows;
    }
    expect(row).toBe(expected.shape[0]);
  });

  const manifest: { processor: { name: string; image: string; config: Record<string, unknown> }[] } = JSON.parse(
    readFileSync(path.join(fixtures, 'fixtures.json'), 'utf8'),
  );
  it.each(manifest.processor)('matches Qwen2VLImageProcessorPil for $name', async ({ name, image, config }) => {
    const settings: ImageProcessorConfig = {
      ...qwen3Omni,
      maxPixels: config.max_pixels as number,
      imageMean: config.image_mean as ImageProcessorConfig['imageMean'],
      imageStd: config.image_std as ImageProcessorConfig['imageStd'],
    };
    const { pixelValues, gridThw } = await processImage(path.join(fixtures, 'processor', image), settings);
    assertExact(`${name} image_grid_thw`, readNpySync(path.join(fixtures, 'processor', `${name}.image_grid_thw.npy`)), {
      data: gridThw.map(BigInt),
      shape: [1, 3],
    });
    assertClose(`${name} pixel_values`, readNpySync(path.join(fixtures, 'processor', `${name}.pixel_values.npy`)), {
      data: pixelValues,
      shape: [pixelValues.length / 1536, 1536],
    }, { atol: 1e-6 });
  });

  it('sizes the grid from the original image when a huge one is downscaled while decoding', async () => {
    // 200x150 → 96x64 model input; the decode bound keeps ~3x the final pixels, as the default does for huge photos
    const image = path.join(fixtures, 'processor', 'scene_200x150.png');
    const config = { ...qwen3Omni, maxPixels: 96 * 64 };
    const full = await processImage(image, config);
    const bounded = await processImage(image, config, { maxDecodedPixels: 20_000 });
    expect(bounded.gridThw).toEqual(full.gridThw);
    // still within the resize bound of the Pillow path
    assertClose('downscaled on decode', full.pixelValues, bounded.pixelValues, { atol: 0.05, maxMeanAbs: 0.005 });
  });

  describe('refuses with IMAGE_DECODE_FAILED naming the file', () => {
    const solid = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: '#336699' } }).png().toBuffer();

    it('a 1x1 image', async () => {
      await expect(processImage(await solid(1, 1), qwen3Omni, { name: 'dot.png' })).rejects.toMatchObject({
        code: 'IMAGE_DECODE_FAILED',
        message: 'dot.png: a 1x1 image is too small to show anything',
      });
    });

    it('an aspect ratio above 200', async () => {
      await expect(processImage(await solid(402, 2), qwen3Omni, { name: 'line.png' })).rejects.toMatchObject({
        code: 'IMAGE_DECODE_FAILED',
        message: 'line.png: 402x2 has an aspect ratio of 201.0, above the 200 the model accepts',
      });
      await expect(processImage(await solid(400, 2), qwen3Omni)).resolves.toMatchObject({ gridThw: [1, 2, 50] });
    });
  });

  it('rejects preprocessor settings it would silently get wrong, naming the field', async () => {
    const image = path.join(fixtures, 'processor', 'scene_64x32.png');
    await expect(processImage(image, { ...qwen3Omni, resample: 2 })).rejects.toMatchObject({
      code: 'CHECKPOINT_INVALID',
      message: 'preprocessor_config.json: resample 2 is not supported (only 3, bicubic)',
    });
    await expect(processImage(image, { ...qwen3Omni, imageStd: [0.5, 0, 0.5] })).rejects.toThrow(/image_std must not contain 0/);
    await expect(processImage(image, { ...qwen3Omni, minPixels: 1 << 30 })).rejects.toThrow(/min_pixels 1073741824 exceeds max_pixels/);
  });
});
