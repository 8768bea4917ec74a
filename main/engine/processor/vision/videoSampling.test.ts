import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sampleFrames } from './videoSampling';

interface Case {
  total_frames: number;
  video_fps: number;
  nframes: number;
  indices: number[];
  sample_fps: number;
}

const cases: Case[] = JSON.parse(readFileSync(path.join(import.meta.dirname, '__fixtures__', 'frame_sampling.json'), 'utf8'));

describe('sampleFrames', () => {
  it('takes 2 frames per second, spread evenly from the first to the last frame', () => {
    // the oracle clip: 2.4 s at 25 fps → 4.8 → 4 frames
    expect(sampleFrames(60, 25)).toEqual({ indices: [0, 20, 39, 59], sampleFps: 4 / 60 * 25 });
    expect(sampleFrames(300, 30).indices).toHaveLength(20);
  });

  it('takes at least 4 frames and at most 768, always an even count', () => {
    expect(sampleFrames(5, 30).indices).toEqual([0, 1, 3, 4]);
    // 7 s at 1 fps wants 14, but only 7 frames exist: the even count below is 6
    expect(sampleFrames(7, 1).indices).toEqual([0, 1, 2, 4, 5, 6]);
    expect(sampleFrames(40000, 25).indices).toHaveLength(768);
    expect(sampleFrames(3, 30).indices).toEqual([0, 2]);
  });

  it('refuses a single frame', () => {
    expect(() => sampleFrames(1, 30)).toThrow(new RangeError('only 1 frame, at least 2 are needed'));
  });

  it(`matches qwen_omni_utils + torch.linspace().round() on all ${cases.length} reference cases`, () => {
    for (const c of cases) {
      const { indices, sampleFps } = sampleFrames(c.total_frames, c.video_fps);
      expect(indices, `${c.total_frames} frames at ${c.video_fps} fps`).toEqual(c.indices);
      expect(sampleFps).toBeCloseTo(c.sample_fps, 12);
    }
  });
});
