import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CLIP_FPS, CLIP_MAX_FRAMES, ClipRecorder } from './camera';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

function setup() {
  let grabbed = 0;
  const seen: Array<[number, boolean]> = [];
  const recorder = new ClipRecorder(async () => new Uint8Array([++grabbed]), (count, full) => seen.push([count, full]));
  return { recorder, seen };
}

describe('webcam clips', () => {
  it('samples 2 frames a second, for at most 10 seconds', () => {
    expect([CLIP_FPS, CLIP_MAX_FRAMES]).toEqual([2, 20]);
  });

  it('takes a frame at once and then every 500 ms, in order', async () => {
    const { recorder, seen } = setup();
    recorder.start();
    vi.advanceTimersByTime(1499);
    expect(seen).toEqual([[1, false], [2, false], [3, false]]);
    const clip = await recorder.finish();
    expect(clip).toMatchObject({ kind: 'frames', fps: 2, name: expect.stringMatching(/^Camera clip \d\d:\d\d:\d\d \(3 frames\)$/) });
    expect(clip.frames.map((f) => f[0])).toEqual([1, 2, 3]);
    vi.advanceTimersByTime(5000);
    expect(seen).toHaveLength(3);
  });

  it('stops by itself at the twentieth frame and says so', async () => {
    const { recorder, seen } = setup();
    recorder.start();
    vi.advanceTimersByTime(60_000);
    expect(seen).toHaveLength(20);
    expect(seen.at(-1)).toEqual([20, true]);
    expect((await recorder.finish()).frames).toHaveLength(20);
  });
});
