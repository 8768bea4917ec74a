import { describe, expect, it } from 'vitest';
import { goldenCaseNames, goldenProcessRequest, loadGoldenCase, TINY_CHECKPOINT_DIR, type GoldenCase } from '../testing/fixtures';
import { assertClose, assertExact } from '../testing/parity';
import { Qwen3OmniProcessor, type ProcessorOutput } from './processor';

const processor = Qwen3OmniProcessor.fromCheckpoint(TINY_CHECKPOINT_DIR);

/** Tolerances of the processor issue for the float outputs; everything else is exact. */
function assertProcessorOutput(golden: GoldenCase, output: ProcessorOutput): void {
  const name = golden.name;
  expect(output.prompt).toBe(golden.info.prompt_text);
  assertExact(`${name} input_ids`, golden.array('input_ids'), output.inputIds);
  assertExact(`${name} position_ids`, golden.array('position_ids'), { data: output.positionIds, shape: [3, output.inputIds.length] });
  assertExact(`${name} rope_delta`, golden.array('rope_delta'), [output.ropeDelta]);
  if (golden.has('image_grid_thw')) assertExact(`${name} image_grid_thw`, golden.array('image_grid_thw'), {
      data: output.imageGridThw!.flat().map(BigInt),
      shape: [output.imageGridThw!.length, 3],
    });
  else expect(output.imageGridThw).toBeUndefined();
  if (golden.has('feature_attention_mask')) {
    assertExact(`${name} feature_attention_mask`, golden.array('feature_attention_mask'), output.featureAttentionMask!);
    const resampled = golden.info.audio.some((a) => a.waveform_file !== null);
    assertClose(`${name} input_features`, golden.array('input_features'), output.inputFeatures!, resampled ? { atol: Infinity, maxMeanAbs: 0.01 } : { atol: 1e-3 });
  } else expect(output.inputFeatures).toBeUndefined();
  if (golden.has('pixel_values')) {
    assertClose(`${name} pixel_values`, golden.array('pixel_values'), output.pixelValues!, { atol: 0.05, maxMeanAbs: 0.005 });
  } else expect(output.pixelValues).toBeUndefined();
  if (golden.has('video_grid_thw')) {
    const grids = output.videoGridThw!;
    assertExact(`${name} video_grid_thw`, golden.array('video_grid_thw'), { data: grids.flat().map(BigInt), shape: [grids.length, 3] });
    // The fixture clip needs no resize at the oracle's bounds: the bound without resampling.
    assertClose(`${name} pixel_values_videos`, golden.array('pixel_values_videos'), output.pixelValuesVideos!, { atol: 1e-5 });
    assertExact(`${name} video_second_per_grid`, golden.array('video_second_per_grid'), Float32Array.from(output.videoSecondPerGrid!));
  } else expect(output.videoGridThw).toBeUndefined();
}

describe.each(goldenCaseNames())('processor vs golden case %s', (name) => {
  it('gives the prompt, ids, grids, positions and rope delta exactly, features and pixels within tolerance', async () => {
    const golden = loadGoldenCase(name);
    const output = await processor.process(goldenProcessRequest(golden));
    assertProcessorOutput(golden, output);
  });
});
