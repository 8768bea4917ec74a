import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from '../../runtime/ort';
import { visionEncoderInputs } from '../../omni/visionEncoderInputs';
import { Qwen3OmniProcessor } from '../../processor/processor';
import type { VisionEncoderSettings } from '../../runtime/bundle';
import { loadGoldenCase, mediaPath, TINY_CHECKPOINT_DIR, type GoldenCase } from '../../testing/fixtures';
import { assertClose } from '../../testing/parity';
import { readEncoderConfigs } from '../encoderConfig';
import { openCheckpoint } from '../safetensors';
import { buildGraphSession, type BuiltSession } from '../testing/buildGraph';
import { WeightReader } from '../weights';
import { makeVisionEncoder } from './visionEncoder';

/** Every golden case with pixels: one image, five of assorted shapes (incl. a 2×26 grid), a 2-group video (twice). */
const CASES = ['image', 'images_audio', 'video', 'video_audio'];

const maxAbs = (values: Float32Array) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('vision_encoder graph (fp32) vs transformers', () => {
  let built: BuiltSession;
  let settings: VisionEncoderSettings;
  let deepstackLayers: number;
  const figures: string[] = [];

  beforeAll(async () => {
    const { vision } = await readEncoderConfigs(TINY_CHECKPOINT_DIR);
    settings = {
      spatialMergeSize: vision.spatialMergeSize,
      numGridPerSide: vision.numGridPerSide,
      headDim: vision.hiddenSize / vision.numHeads,
      ropeTheta: vision.ropeTheta,
    };
    deepstackLayers = vision.deepstackIndexes.length;
    const weights = new WeightReader(await openCheckpoint(TINY_CHECKPOINT_DIR));
    built = await buildGraphSession('vision_encoder', weights, { kind: 'fp32' }, (ctx) => makeVisionEncoder(ctx, vision));
  });
  afterAll(async () => {
    await built.release();
    console.info(`vision_encoder max error relative to the largest golden magnitude (features / worst deepstack): ${figures.join(', ')}`);
  });

  /** One call per image/video; rows concatenated as transformers returns them, deepstack as [K, rows, H]. */
  async function encode(pixelValues: { data: Float32Array; shape: readonly number[] }, grids: readonly (readonly number[])[]) {
    const features: Float32Array[] = [];
    const deepstack: Float32Array[][] = Array.from({ length: deepstackLayers }, () => []);
    for (const call of visionEncoderInputs(pixelValues, grids, settings)) {
      const patches = call.pixelValues.dims[1];
      const out = await built.session.run({
        pixel_values: new ort.Tensor('float32', call.pixelValues.data, call.pixelValues.dims),
        pos_idx: new ort.Tensor('int64', call.posIdx, [4, patches]),
        pos_w: new ort.Tensor('float32', call.posW, [4, patches]),
        rope_cos: new ort.Tensor('float32', call.ropeCos, [patches, settings.headDim / 2]),
        rope_sin: new ort.Tensor('float32', call.ropeSin, [patches, settings.headDim / 2]),
      });
      expect(out.image_features.dims[0]).toBe(call.tokens);
      expect(out.deepstack_features.dims).toEqual([deepstackLayers, call.tokens, out.image_features.dims[1]]);
      features.push(out.image_features.data as Float32Array);
      const perLevel = (out.deepstack_features.data as Float32Array).length / deepstackLayers;
      for (let k = 0; k < deepstackLayers; k++) deepstack[k].push((out.deepstack_features.data as Float32Array).subarray(k * perLevel, (k + 1) * perLevel));
    }
    const concat = (parts: Float32Array[]) => {
      const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
      parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
      return all;
    };
    return { features: concat(features), deepstack: deepstack.map(concat) };
  }

  /** Checks the merger output and every deepstack feature against the case's goldens; returns the worst figures. */
  function check(c: GoldenCase, actual: { features: Float32Array; deepstack: Float32Array[] }, label: string): [number, number] {
    const relative = (golden: string, data: Float32Array) => {
      const expected = c.array(golden, 'float32');
      const scale = maxAbs(expected.data);
      return assertClose(`${label} ${golden}`, expected, { data, shape: expected.shape }, { atol: 1e-3 * scale, maxRelL2: 1e-3 }).maxAbs / scale;
    };
    return [relative('vision_encoder_output', actual.features), Math.max(...actual.deepstack.map((d, k) => relative(`deepstack_${k}`, d)))];
  }

  for (const name of CASES) {
    it(`${name}: the golden pixel values and grids give vision_encoder_output and every deepstack feature within 1e-3`, async () => {
      const c = loadGoldenCase(name);
      const image = c.has('pixel_values');
      const pixels = c.array(image ? 'pixel_values' : 'pixel_values_videos', 'float32');
      const grids = c.array(image ? 'image_grid_thw' : 'video_grid_thw', 'int64');
      const gridRows = Array.from({ length: grids.shape[0] }, (_, i) => Array.from(grids.data.subarray(3 * i, 3 * i + 3), Number));
      const [features, deepstack] = check(c, await encode(pixels, gridRows), name);
      figures.push(`${name} ${features.toExponential(1)} / ${deepstack.toExponential(1)}`);
    });
  }

  it('end to end from the TS processor: the fixture video → frames → patches → encoder gives the video golden', async () => {
    const c = loadGoldenCase('video');
    const [video] = c.info.videos;
    const processor = Qwen3OmniProcessor.fromCheckpoint(TINY_CHECKPOINT_DIR);
    const output = await processor.process({
      inputs: [{ kind: 'video', file: mediaPath(video.source) }],
      // The oracle's bounds for its tiny clip, as in the processor's golden test.
      videoBounds: { minPixels: video.size.shortest_edge, maxPixels: video.size.longest_edge },
    });
    const [features, deepstack] = check(c, await encode(output.pixelValuesVideos!, output.videoGridThw!), 'from the TS processor');
    figures.push(`video from the TS processor ${features.toExponential(1)} / ${deepstack.toExponential(1)}`);
  });
});
