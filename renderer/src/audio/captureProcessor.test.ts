import { registered, deliver, postedBy } from './testing/workletShim';
import { describe, expect, it } from 'vitest';
import { CaptureProcessor } from './captureProcessor';
import { CAPTURE_FRAME_SAMPLES, CAPTURE_PROCESSOR, type CaptureFrame } from './messages';

const QUANTUM = 128;
/** Distinct, exactly representable samples, so any reordering or loss shows. */
const ramp = (n: number, from = 0) => Float32Array.from({ length: n }, (_, i) => (from + i) / 65536);

function feed(processor: CaptureProcessor, samples: Float32Array): boolean[] {
  const alive: boolean[] = [];
  for (let i = 0; i < samples.length; i += QUANTUM) alive.push(processor.process([[samples.subarray(i, i + QUANTUM)]]));
  return alive;
}
const frames = (processor: CaptureProcessor) => postedBy(processor).map((p) => p.message as CaptureFrame);

describe('capture worklet processor', () => {
  it('registers under the name the page asks for', () => {
    expect(registered.get(CAPTURE_PROCESSOR)).toBe(CaptureProcessor);
  });

  it('cuts 128-sample quanta into 1280-sample (80 ms) frames without losing or reordering a sample', () => {
    const processor = new CaptureProcessor();
    const input = ramp(25 * QUANTUM);
    feed(processor, input);
    expect(frames(processor).map((f) => f.pcm.length)).toEqual([1280, 1280]);
    deliver(processor, { type: 'flush' });
    const out = frames(processor);
    expect(out.map((f) => [f.pcm.length, f.flushed])).toEqual([[1280, false], [1280, false], [640, true]]);
    expect(Float32Array.from(out.flatMap((f) => [...f.pcm]))).toEqual(input);
  });

  it('transfers each frame’s buffer instead of copying it, and never writes into one it gave away', () => {
    const processor = new CaptureProcessor();
    feed(processor, ramp(3 * CAPTURE_FRAME_SAMPLES));
    const posted = postedBy(processor);
    expect(posted).toHaveLength(3);
    for (const { transfer, message } of posted) {
      expect(transfer).toHaveLength(1);
      expect((transfer[0] as ArrayBuffer).byteLength).toBe(0);
      expect((message as CaptureFrame).pcm.byteLength).toBe(CAPTURE_FRAME_SAMPLES * 4);
    }
    expect([...frames(processor)[2].pcm.subarray(0, 2)]).toEqual([2560 / 65536, 2561 / 65536]);
  });

  it('keeps filling the same frame after a partial flush, continuing where the flush left off', () => {
    const processor = new CaptureProcessor();
    feed(processor, ramp(2 * QUANTUM));
    deliver(processor, { type: 'flush' });
    feed(processor, ramp(10 * QUANTUM, 256));
    const out = frames(processor);
    expect(out.map((f) => [f.pcm.length, f.flushed])).toEqual([[256, true], [1280, false]]);
    expect(out[1].pcm[0]).toBe(256 / 65536);
  });

  it('measures each frame’s RMS and peak for the level meter', () => {
    const processor = new CaptureProcessor();
    const input = new Float32Array(CAPTURE_FRAME_SAMPLES).fill(0.25);
    input[100] = -0.75;
    feed(processor, input);
    const [frame] = frames(processor);
    expect(frame.peak).toBe(0.75);
    expect(frame.rms).toBeCloseTo(Math.sqrt((1279 * 0.0625 + 0.5625) / 1280), 12);
  });

  it('answers a flush with nothing pending by an empty, silent frame, so release never waits', () => {
    const processor = new CaptureProcessor();
    deliver(processor, { type: 'flush' });
    const [frame] = frames(processor);
    expect([frame.pcm.length, frame.rms, frame.peak, frame.flushed]).toEqual([0, 0, 0, true]);
  });

  it('stays alive without input (a muted or unplugged device) and stops when closed', () => {
    const processor = new CaptureProcessor();
    expect(processor.process([[]])).toBe(true);
    expect(processor.process([])).toBe(true);
    expect(frames(processor)).toEqual([]);
    deliver(processor, { type: 'close' });
    expect(processor.process([[ramp(QUANTUM)]])).toBe(false);
  });
});
