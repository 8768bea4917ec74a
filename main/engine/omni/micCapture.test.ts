import { describe, expect, it } from 'vitest';
import { MAX_CAPTURE_SAMPLES, MicCaptures } from './micCapture';

const chunk = (seq: number, pcm: ArrayBuffer, format: 'f32' | 's16' = 'f32', sampleRate: 16000 | 48000 = 16000) => ({
  type: 'mic.chunk' as const, turnId: 't', seq, sampleRate, format, pcm,
});

describe('MicCaptures', () => {
  it('joins chunks in order and converts Int16 to Float32 in [-1, 1)', () => {
    const mic = new MicCaptures();
    mic.add(chunk(0, Int16Array.from([-32768, 0]).buffer, 's16'));
    mic.add(chunk(1, Int16Array.from([16384]).buffer, 's16'));
    mic.end('t', 2);
    expect(mic.take('t')).toEqual({ sampleRate: 16000, samples: Float32Array.from([-1, 0, 0.5]) });
  });

  it('keeps Float32 samples exactly and takes a capture only once', () => {
    const mic = new MicCaptures();
    mic.add(chunk(0, Float32Array.from([0.25, -0.125]).buffer, 'f32', 48000));
    mic.end('t', 1);
    expect(mic.take('t')).toEqual({ sampleRate: 48000, samples: Float32Array.from([0.25, -0.125]) });
    expect(() => mic.take('t')).toThrow('No microphone audio arrived for turn t');
  });

  it('fails a capture with a missing chunk instead of splicing the gap', () => {
    const mic = new MicCaptures();
    mic.add(chunk(0, new Float32Array(4).buffer));
    mic.add(chunk(2, new Float32Array(4).buffer));
    mic.end('t', 3);
    expect(() => mic.take('t')).toThrow('Microphone audio of turn t: chunk 1 is missing (got 2)');
  });

  it('names NaN samples, odd byte counts and a changed sample rate', () => {
    const cases: Array<[ReturnType<typeof chunk>[], string]> = [
      [[chunk(0, Float32Array.from([0, NaN]).buffer)], 'chunk 0 has a non-finite sample at 1'],
      [[chunk(0, new ArrayBuffer(3), 's16')], 'chunk 0 is 3 bytes, not whole s16 samples'],
      [[chunk(0, new ArrayBuffer(8)), chunk(1, new ArrayBuffer(8), 'f32', 48000)], 'sample rate changed from 16000 to 48000 Hz'],
    ];
    for (const [chunks, message] of cases) {
      const mic = new MicCaptures();
      chunks.forEach((c) => mic.add(c));
      mic.end('t', chunks.length);
      expect(() => mic.take('t')).toThrow(message);
    }
  });

  it('refuses an utterance that is empty, unfinished or too long', () => {
    const empty = new MicCaptures();
    empty.add(chunk(0, new ArrayBuffer(0)));
    empty.end('t', 1);
    expect(() => empty.take('t')).toThrow('Microphone audio of turn t is empty');

    const unfinished = new MicCaptures();
    unfinished.add(chunk(0, new ArrayBuffer(8)));
    expect(() => unfinished.take('t')).toThrow('was not ended (mic.end missing)');

    const long = new MicCaptures();
    const second = 48000 * 4;
    let seq = 0;
    for (let s = 0; s <= MAX_CAPTURE_SAMPLES / 48000; s++) long.add(chunk(seq++, new ArrayBuffer(second), 'f32', 48000));
    long.end('t', seq);
    expect(() => long.take('t')).toThrow('longer than 300 s');
  });

  it('forgets a cancelled capture', () => {
    const mic = new MicCaptures();
    mic.add(chunk(0, new ArrayBuffer(8)));
    mic.cancel('t');
    expect(() => mic.take('t')).toThrow('No microphone audio');
  });
});
