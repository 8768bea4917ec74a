import { describe, expect, it } from 'vitest';
import { JITTER, JitterBuffer } from './jitterBuffer';
import type { PlaybackEvent } from './messages';

const QUANTUM = 128;
const FADE = 120;
/** Distinct, exactly representable samples, so any reordering, loss or repeat shows. */
const ramp = (n: number, from = 0) => Float32Array.from({ length: n }, (_, i) => (from + i + 1) / 65536);
const zeros = (n: number) => new Float32Array(n);
const join = (...parts: Float32Array[]) => Float32Array.from(parts.flatMap((p) => [...p]));

/** The buffer's own arithmetic: Float32 samples scaled by a double gain, stored back as Float32. */
function fadedIn(x: Float32Array): Float32Array {
  const y = x.slice();
  for (let i = 0; i < Math.min(FADE, y.length); i++) y[i] *= i / FADE;
  return y;
}
function fadedOut(x: Float32Array, n = Math.min(FADE, x.length)): Float32Array {
  const y = x.slice();
  for (let i = 0; i < n; i++) y[y.length - n + i] *= (n - i) / n;
  return y;
}

function setup(limits = JITTER) {
  const events: PlaybackEvent[] = [];
  const buffer = new JitterBuffer((event) => events.push(event), limits);
  /** Renders quanta into blocks pre-filled with garbage, so unwritten samples must be zeroed by the buffer. */
  const render = (quanta: number) => {
    const out = new Float32Array(quanta * QUANTUM);
    for (let q = 0; q < quanta; q++) {
      const block = new Float32Array(QUANTUM).fill(9);
      buffer.render(block);
      out.set(block, q * QUANTUM);
    }
    return out;
  };
  return { buffer, events, render };
}

const stats = (underruns: number, padSamples: number, refusedSamples = 0) => ({ underruns, padSamples, refusedSamples });

describe('speech jitter buffer (24 kHz, 128-sample quanta)', () => {
  it('uses Moshi’s figures: 80 ms start, 10 ms pad growing by 5 ms to 80 ms, 5 ms fades', () => {
    expect(JITTER).toEqual({ startSamples: 1920, padSamples: 240, padStep: 120, padMax: 1920, fadeSamples: 120, maxQueuedSamples: 14_400_000 });
  });

  it('waits for one 80 ms frame, then 10 ms of pad (two quanta), then fades in', () => {
    const { buffer, events, render } = setup();
    buffer.push('t', ramp(1919));
    expect(render(5)).toEqual(zeros(640));
    buffer.push('t', ramp(1, 1919));
    expect(render(2)).toEqual(zeros(256));
    expect(events).toEqual([]);
    expect(render(1)).toEqual(fadedIn(ramp(128)));
    expect(events).toEqual([{ type: 'started', track: 't' }]);
  });

  it('plays chunks of any size gaplessly: the output is the input, shifted by the pad, faded in once', () => {
    const { buffer, events, render } = setup();
    const sizes = [1920, 700, 1220, 1, 1919, 1920, 333, 1587];
    const chunks = sizes.map((n, k) => ramp(n, sizes.slice(0, k).reduce((a, b) => a + b, 0)));
    const out: Float32Array[] = [];
    chunks.forEach((chunk, k) => {
      buffer.push('t', chunk);
      out.push(render(7));
      if (k === chunks.length - 1) buffer.end('t');
    });
    out.push(render(40));
    const played = join(...out);
    expect(played.subarray(0, 256)).toEqual(zeros(256));
    expect(played.subarray(256, 256 + 9600)).toEqual(fadedIn(join(...chunks)));
    expect(played.subarray(256 + 9600)).toEqual(zeros(played.length - 256 - 9600));
    expect(events).toEqual([
      { type: 'started', track: 't' },
      { type: 'finished', track: 't', samplesPlayed: 9600, interrupted: false, stats: stats(0, 240) },
    ]);
  });

  it('fades out a queue that runs dry on a quantum boundary, re-buffers with 5 ms more pad and fades in again', () => {
    const { buffer, events, render } = setup();
    buffer.push('t', ramp(1920));
    expect(render(17)).toEqual(join(zeros(256), fadedOut(fadedIn(ramp(1920)))));
    expect(render(1)).toEqual(zeros(128));
    buffer.push('t', ramp(1920, 1920));
    expect(render(3)).toEqual(zeros(384)); // 360 samples of pad: three quanta
    expect(render(1)).toEqual(fadedIn(ramp(128, 1920)));
    buffer.end('t');
    render(15);
    expect(events.at(-1)).toEqual({ type: 'finished', track: 't', samplesPlayed: 3840, interrupted: false, stats: stats(1, 360) });
  });

  it('fades the partial quantum before a gap over what it holds', () => {
    const { buffer, render } = setup();
    buffer.push('t', ramp(2000));
    render(17);
    expect(render(1)).toEqual(join(fadedOut(ramp(80, 1920), 80), zeros(48)));
  });

  it('grows the pad to 80 ms at most and keeps it for the next track', () => {
    const { buffer, events, render } = setup();
    for (let i = 0; i < 20; i++) {
      buffer.push('t', ramp(1920, 1920 * i));
      render(40);
    }
    buffer.end('t');
    render(1);
    expect(events.at(-1)).toMatchObject({ samplesPlayed: 20 * 1920, stats: stats(20, 1920) });
    buffer.push('u', ramp(1920));
    expect(render(15)).toEqual(zeros(15 * 128));
    expect(render(1)).toEqual(fadedIn(ramp(128)));
  });

  it('plays an ended track (a replay, a short reply) at once, without waiting for a frame or pad', () => {
    const { buffer, events, render } = setup();
    buffer.push('r', ramp(300));
    buffer.end('r');
    expect(render(3)).toEqual(join(fadedIn(ramp(300)), zeros(84)));
    expect(events).toEqual([
      { type: 'started', track: 'r' },
      { type: 'finished', track: 'r', samplesPlayed: 300, interrupted: false, stats: stats(0, 240) },
    ]);
    buffer.push('r', ramp(2000));
    expect(render(20)).toEqual(zeros(2560));
  });

  it('on interrupt fades out over 5 ms and counts the fade among the samples heard', () => {
    const { buffer, events, render } = setup();
    buffer.push('t', ramp(4000));
    render(7);
    buffer.interrupt();
    expect(events).toEqual([{ type: 'started', track: 't' }]);
    expect(render(1)).toEqual(join(fadedOut(ramp(120, 640)), zeros(8)));
    expect(events.at(-1)).toEqual({ type: 'finished', track: 't', samplesPlayed: 760, interrupted: true, stats: stats(0, 240) });
    buffer.push('t', ramp(2000, 4000));
    expect(render(20)).toEqual(zeros(2560));
  });

  it('ends a track still buffering at once on interrupt', () => {
    const { buffer, events } = setup();
    buffer.push('t', ramp(1000));
    buffer.interrupt();
    expect(events).toEqual([{ type: 'finished', track: 't', samplesPlayed: 0, interrupted: true, stats: stats(0, 240) }]);
  });

  it('ends the current track as interrupted when another track’s speech arrives', () => {
    const { buffer, events, render } = setup();
    buffer.push('a', ramp(4000));
    render(4);
    buffer.push('b', ramp(100));
    buffer.end('b');
    expect(render(1)).toEqual(join(fadedIn(ramp(100)), zeros(28)));
    expect(events).toEqual([
      { type: 'started', track: 'a' },
      { type: 'finished', track: 'a', samplesPlayed: 256, interrupted: true, stats: stats(0, 240) },
      { type: 'started', track: 'b' },
      { type: 'finished', track: 'b', samplesPlayed: 100, interrupted: false, stats: stats(0, 240) },
    ]);
  });

  it('refuses chunks beyond its memory cap and says how much it refused', () => {
    const { buffer, events, render } = setup({ ...JITTER, maxQueuedSamples: 3000 });
    buffer.push('t', ramp(2000));
    buffer.push('t', ramp(2000, 2000));
    buffer.push('t', ramp(1000, 2000));
    buffer.end('t');
    expect(render(24).subarray(0, 3000)).toEqual(fadedIn(ramp(3000)));
    expect(events.at(-1)).toEqual({ type: 'finished', track: 't', samplesPlayed: 3000, interrupted: false, stats: stats(0, 240, 2000) });
  });
});
