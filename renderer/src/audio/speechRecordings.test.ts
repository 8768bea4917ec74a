import { describe, expect, it } from 'vitest';
import { MAX_RECORDED_SAMPLES, SpeechRecordings } from './speechRecordings';

const ramp = (n: number, from = 0) => Float32Array.from({ length: n }, (_, i) => from + i);

describe('speech recordings for replay', () => {
  it('keeps ten minutes of 24 kHz speech', () => {
    expect(MAX_RECORDED_SAMPLES).toBe(14_400_000);
  });

  it('joins a reply’s chunks into one clip in arrival order', () => {
    const recordings = new SpeechRecordings();
    recordings.add('a', ramp(3));
    recordings.add('a', ramp(2, 3));
    expect(recordings.samples('a')).toBe(5);
    expect(recordings.clip('a')).toEqual(ramp(5));
    expect(recordings.clip('b')).toBeUndefined();
  });

  it('keeps only what was heard of an interrupted reply, across chunk boundaries', () => {
    const recordings = new SpeechRecordings();
    recordings.add('a', ramp(3));
    recordings.add('a', ramp(3, 3));
    recordings.truncate('a', 4);
    expect(recordings.clip('a')).toEqual(ramp(4));
    recordings.truncate('a', 9);
    expect(recordings.samples('a')).toBe(4);
    recordings.truncate('a', 0);
    expect([recordings.samples('a'), recordings.clip('a')]).toEqual([0, undefined]);
  });

  it('forgets the oldest replies first once past its cap, never the one being recorded', () => {
    const recordings = new SpeechRecordings(10);
    recordings.add('a', ramp(4));
    recordings.add('b', ramp(4));
    recordings.truncate('b', 2);
    recordings.add('c', ramp(4));
    expect([recordings.samples('a'), recordings.samples('b'), recordings.samples('c')]).toEqual([4, 2, 4]);
    recordings.add('c', ramp(4));
    expect([recordings.samples('a'), recordings.samples('b'), recordings.samples('c')]).toEqual([0, 2, 8]);
    recordings.add('c', ramp(4));
    expect([recordings.samples('b'), recordings.samples('c')]).toEqual([0, 12]);
  });
});
