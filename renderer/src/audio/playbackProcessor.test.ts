import { registered, deliver, postedBy } from './testing/workletShim';
import { describe, expect, it } from 'vitest';
import { PLAYBACK_PROCESSOR } from './messages';
import { PlaybackProcessor } from './playbackProcessor';

const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => (i + 1) / 65536);

function run(processor: PlaybackProcessor, quanta: number) {
  let samples = 0;
  for (let q = 0; q < quanta; q++) {
    const out = new Float32Array(128);
    expect(processor.process([], [[out]])).toBe(true);
    samples += out.filter((s) => s !== 0).length;
  }
  return samples;
}
const events = (processor: PlaybackProcessor) => postedBy(processor).map((p) => p.message);

describe('playback worklet processor', () => {
  it('registers under the name the page asks for', () => {
    expect(registered.get(PLAYBACK_PROCESSOR)).toBe(PlaybackProcessor);
  });

  it('plays streamed chunks and a clip, and reports each track on its port', () => {
    const processor = new PlaybackProcessor();
    deliver(processor, { type: 'chunk', track: 'turn-1', pcm: ramp(1000) });
    deliver(processor, { type: 'chunk', track: 'turn-1', pcm: ramp(1000) });
    deliver(processor, { type: 'end', track: 'turn-1' });
    // The first sample of every fade-in is silent.
    expect(run(processor, 20)).toBe(1999);
    deliver(processor, { type: 'clip', track: 'turn-1:replay-1', pcm: ramp(500) });
    expect(run(processor, 4)).toBe(499);
    expect(events(processor)).toEqual([
      { type: 'started', track: 'turn-1' },
      { type: 'finished', track: 'turn-1', samplesPlayed: 2000, interrupted: false, stats: { underruns: 0, padSamples: 240, refusedSamples: 0 } },
      { type: 'started', track: 'turn-1:replay-1' },
      { type: 'finished', track: 'turn-1:replay-1', samplesPlayed: 500, interrupted: false, stats: { underruns: 0, padSamples: 240, refusedSamples: 0 } },
    ]);
  });

  it('answers interrupt with the samples played, fade included', () => {
    const processor = new PlaybackProcessor();
    deliver(processor, { type: 'chunk', track: 'turn-2', pcm: ramp(4800) });
    run(processor, 12);
    deliver(processor, { type: 'interrupt' });
    run(processor, 2);
    expect(events(processor).at(-1)).toEqual({
      type: 'finished',
      track: 'turn-2',
      samplesPlayed: 10 * 128 + 120,
      interrupted: true,
      stats: { underruns: 0, padSamples: 240, refusedSamples: 0 },
    });
  });

  it('keeps the output silent, not stale, with nothing to play', () => {
    const processor = new PlaybackProcessor();
    const out = new Float32Array(128).fill(0.5);
    processor.process([], [[out]]);
    expect(out).toEqual(new Float32Array(128));
  });
});
