/**
 * Preprocessing of a 1920×1080 screenshot, from PNG bytes to pixel values: ours vs @huggingface/transformers'
 * Qwen2VLImageProcessor with the same Qwen3-Omni settings (real preprocessor_config.json values), same input.
 */
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Qwen2VLImageProcessor, RawImage } from '@huggingface/transformers';
import sharp from 'sharp';
import { loadPreprocessorConfig } from '../engine/processor/config';
import { processImage } from '../engine/processor/vision/imageProcessor';
import { TINY_CHECKPOINT_DIR } from '../engine/testing/fixtures';
import { type Bench, medianMs } from './harness';

const WIDTH = 1920;
const HEIGHT = 1080;

/** A desktop-like frame: title bar, sidebar, panels, buttons and rows of glyph-sized marks (seeded, so every run is identical). */
async function screenshotPng(): Promise<Uint8Array> {
  const rgb = new Uint8Array(WIDTH * HEIGHT * 3);
  const fill = (x0: number, y0: number, w: number, h: number, [r, g, b]: number[]) => {
    for (let y = y0; y < Math.min(HEIGHT, y0 + h); y++) {
      for (let x = x0; x < Math.min(WIDTH, x0 + w); x++) rgb.set([r, g, b], (y * WIDTH + x) * 3);
    }
  };
  let seed = 12345;
  const random = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);
  fill(0, 0, WIDTH, HEIGHT, [246, 247, 249]);
  fill(0, 0, WIDTH, 36, [40, 44, 52]);
  fill(0, 36, 280, HEIGHT - 36, [230, 233, 238]);
  for (let i = 0; i < 14; i++) fill(16, 60 + i * 44, 248, 32, i === 3 ? [66, 133, 244] : [222, 226, 232]);
  for (let p = 0; p < 6; p++) {
    const x0 = 300 + (p % 3) * 540;
    const y0 = 60 + Math.floor(p / 3) * 500;
    fill(x0, y0, 520, 480, [255, 255, 255]);
    fill(x0 + 16, y0 + 420, 120, 40, [52, 168, 83]);
    for (let line = 0; line < 22; line++) {
      let x = x0 + 16;
      while (x < x0 + 480) {
        const glyph = 4 + Math.floor(random() * 8);
        if (random() > 0.15) fill(x, y0 + 20 + line * 18, glyph, 11, [30, 30, 30]);
        x += glyph + 2 + (random() > 0.8 ? 8 : 0);
      }
    }
  }
  return sharp(rgb, { raw: { width: WIDTH, height: HEIGHT, channels: 3 } }).png().toBuffer();
}

const bench: Bench = {
  name: 'imageProcessor',
  async run() {
    const png = await screenshotPng();
    // Kept for inspection; both sides start from the same bytes in memory.
    await writeFile(path.join(os.tmpdir(), 'omnidesk-bench-screenshot-1920x1080.png'), png);
    const config = loadPreprocessorConfig(TINY_CHECKPOINT_DIR).imageProcessor;
    const peer = new Qwen2VLImageProcessor({
      do_resize: true,
      do_rescale: true,
      do_normalize: true,
      do_convert_rgb: true,
      resample: config.resample,
      rescale_factor: config.rescaleFactor,
      image_mean: config.imageMean,
      image_std: config.imageStd,
      patch_size: config.patchSize,
      merge_size: config.mergeSize,
      temporal_patch_size: config.temporalPatchSize,
      min_pixels: config.minPixels,
      max_pixels: config.maxPixels,
    });
    const ours = () => processImage(png, config);
    const blob = new Blob([new Uint8Array(png)], { type: 'image/png' });
    const theirs = async () => peer(await RawImage.fromBlob(blob));

    const a = await ours();
    const b = await theirs();
    const expected = b.pixel_values.data as Float32Array;
    let maxAbs = 0;
    for (let i = 0; i < expected.length; i++) maxAbs = Math.max(maxAbs, Math.abs(expected[i] - a.pixelValues[i]));
    const grid = Array.from(b.image_grid_thw.data as BigInt64Array, Number);

    const oursMs = await medianMs(ours);
    const theirsMs = await medianMs(theirs);
    return [
      {
        name: `image preprocess ${WIDTH}x${HEIGHT} PNG → [${a.pixelValues.length / 1536}, 1536]`,
        value: oursMs,
        unit: 'ms',
        peer: { name: 'transformers.js Qwen2VLImageProcessor', value: theirsMs },
        target: 2,
        note: `grids ${a.gridThw.join('x')} / ${grid.join('x')}, max |diff| ${maxAbs.toFixed(4)} (their resize is libvips cubic, ours Pillow's)`,
      },
    ];
  },
};

export default bench;
