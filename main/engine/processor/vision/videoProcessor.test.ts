import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { goldenCaseNames, loadGoldenCase, MEDIA_DIR, TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { assertClose, assertExact } from '../../testing/parity';
import { loadPreprocessorConfig } from '../config';
import { processVideo, QWEN3_OMNI_VIDEO_BOUNDS } from './videoProcessor';

const qwen3Omni = loadPreprocessorConfig(TINY_CHECKPOINT_DIR).imageProcessor;
const videos = path.join(import.meta.dirname, '__fixtures__', 'video');
const videoCases = goldenCaseNames().filter((name) => loadGoldenCase(name).info.videos.length > 0);

describe('processVideo', () => {
  it.each(videoCases)('reproduces pixel_values_videos, video_grid_thw and video_second_per_grid of golden case %s', async (name) => {
    const golden = loadGoldenCase(name);
    const [video] = golden.info.videos;
    const result = await processVideo(golden.mediaPath(video.source), qwen3Omni, {
      bounds: { minPixels: video.size.shortest_edge, maxPixels: video.size.longest_edge },
      audio: golden.info.use_audio_in_video,
    });
    expect(result.frameIndices).toEqual(video.sampled_indices);
    expect(result.sampleFps).toBeCloseTo(video.sample_fps, 12);
    assertExact(`${name} video_grid_thw`, golden.array('video_grid_thw'), { data: result.gridThw.map(BigInt), shape: [1, 3] });
    // the clip's 96x64 frames need no resampling: the bound is the 1e-5
    assertClose(`${name} pixel_values_videos`, golden.array('pixel_values_videos'), {
      data: result.pixelValues,
      shape: [result.pixelValues.length / 1536, 1536],
    }, { atol: 1e-5 });
    assertClose(`${name} video_second_per_grid`, golden.array('video_second_per_grid'), [result.secondPerGrid], { rtol: 1e-6 });
    if (golden.info.use_audio_in_video) {
      expect(result.audio?.length).toBe(golden.info.audio[0].samples_16k);
    } else {
      expect(result.audio).toBeUndefined();
    }
  });

  it('samples 4 frames of a 1.5 s clip and resizes them within the video bounds (80x44 → 512x288)', async () => {
    const result = await processVideo(path.join(videos, 'silent_80x44_10fps.mkv'), qwen3Omni);
    // 1.5 s at 10 fps → 3 frames wanted → 4 (the minimum); smart_resize(44, 80) within 128..768 tokens → 288x512
    expect(result.frameIndices).toEqual([0, 5, 9, 14]);
    expect(result.gridThw).toEqual([2, 18, 32]);
    expect(result.secondPerGrid).toBeCloseTo(2 / ((4 / 15) * 10), 12);
    expect(result.pixelValues.length).toBe(2 * 18 * 32 * 1536);
    expect(result.pixelValues.every((v) => v >= -1 && v <= 1)).toBe(true);
    expect(QWEN3_OMNI_VIDEO_BOUNDS).toEqual({ minPixels: 131072, maxPixels: 786432 });
  });

  it('lets ffmpeg resize while decoding when full-size frames exceed the memory bound', async () => {
    const file = path.join(videos, 'silent_80x44_10fps.mkv');
    const full = await processVideo(file, qwen3Omni);
    const bounded = await processVideo(file, qwen3Omni, { maxDecodedBytes: 4 * 80 * 44 * 3 - 1 });
    expect(bounded.gridThw).toEqual(full.gridThw);
    // ffmpeg's bicubic is another kernel: sharp edges of the test pattern differ, the average barely
    assertClose('ffmpeg-resized frames', full.pixelValues, bounded.pixelValues, { atol: 0.3, maxMeanAbs: 0.005 });
  });

  describe('refuses with VIDEO_DECODE_FAILED naming the file', () => {
    it('a file without a video stream', async () => {
      const file = path.join(videos, 'audio_only.mkv');
      await expect(processVideo(file, qwen3Omni)).rejects.toMatchObject({
        code: 'VIDEO_DECODE_FAILED',
        message: `${file}: no video stream (matroska,webm with audio)`,
      });
    });

    it('audio-in-video for a video without sound', async () => {
      const file = path.join(videos, 'silent_80x44_10fps.mkv');
      await expect(processVideo(file, qwen3Omni, { audio: true, name: 'clip.mkv' })).rejects.toMatchObject({
        code: 'VIDEO_DECODE_FAILED',
        message: 'clip.mkv: the video has no sound track, so its audio cannot be used',
      });
    });

    it('an image or other non-video file', async () => {
      const file = path.join(MEDIA_DIR, 'image_odd_75x53.png');
      await expect(processVideo(file, qwen3Omni, { name: 'photo.png' })).rejects.toMatchObject({
        code: 'VIDEO_DECODE_FAILED',
        message: 'photo.png: only 1 frame, at least 2 are needed',
      });
      await expect(processVideo('/nonexistent/clip.mp4', qwen3Omni)).rejects.toMatchObject({
        code: 'VIDEO_DECODE_FAILED',
        message: expect.stringContaining('/nonexistent/clip.mp4'),
      });
    });
  });
});
