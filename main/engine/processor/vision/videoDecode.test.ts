import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { countFrames, decodeFrames, exactFrameRate, probeVideo } from './videoDecode';

const clip = path.join(import.meta.dirname, '__fixtures__', 'video', 'silent_80x44_10fps.mkv');
const target = { name: 'clip.mkv', timeoutMs: 30_000 };

describe('videoDecode', () => {
  it('restores NTSC frame rates from the two decimals ffmpeg prints', () => {
    expect(exactFrameRate(29.97)).toBe(30000 / 1001);
    expect(exactFrameRate(23.98)).toBe(24000 / 1001);
    expect(exactFrameRate(59.94)).toBe(60000 / 1001);
    expect([25, 30, 12.5, 29.5, 1000].map(exactFrameRate)).toEqual([25, 30, 12.5, 29.5, 1000]);
  });

  it('probes the stream, counts every decoded frame and returns only the sampled ones', async () => {
    const video = await probeVideo(clip, target);
    expect(video.stream).toMatchObject({ width: 80, height: 44 });
    expect([video.fps, video.hasAudio]).toEqual([10, false]);
    expect(await countFrames(clip, video, target)).toBe(15);
    const frames = await decodeFrames(clip, video, [0, 7, 14], undefined, target);
    expect(frames.map((f) => f.length)).toEqual([80 * 44 * 3, 80 * 44 * 3, 80 * 44 * 3]);
    // testsrc2 moves: different frames differ
    expect(Buffer.compare(frames[0], frames[1])).not.toBe(0);
    const again = await decodeFrames(clip, video, [7], undefined, target);
    expect(Buffer.compare(again[0], frames[1])).toBe(0);
  });
});
