import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ProgressTracker, type BuildProgress } from './progress';

let events: BuildProgress[];
const track = (shares: Record<string, number>) => new ProgressTracker(new Map(Object.entries(shares)), (p) => events.push(p));
const done = () => events.map((p) => [p.phase, p.doneBytes]);

beforeEach(() => {
  events = [];
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => vi.useRealTimers());

describe('build progress', () => {
  it("counts a graph's reads up to one byte short of its share, and the rest when its file is written", () => {
    const progress = track({ thinker: 100, code2wav_decoder: 50 });
    progress.startGraph('thinker');
    progress.read(60);
    progress.read(40);
    progress.graphWritten();
    progress.startGraph('code2wav_decoder');
    progress.read(50);
    progress.graphWritten();
    progress.enter('self-check');
    expect(done()).toEqual([
      ['thinker', 0],
      ['thinker', 60],
      ['thinker', 99],
      ['thinker', 100],
      ['code2wav_decoder', 100],
      ['code2wav_decoder', 149],
      ['code2wav_decoder', 150],
      ['self-check', 150],
    ]);
    expect(new Set(events.map((p) => p.totalBytes))).toEqual(new Set([150]));
  });

  it('holds reads past a share at its end and passes a share not read in full when the file is written: never back, never early', () => {
    const progress = track({ talker: 100, code_predictor: 100 });
    progress.startGraph('talker');
    progress.read(150);
    progress.read(10);
    progress.graphWritten();
    progress.startGraph('code_predictor');
    progress.read(10);
    progress.graphWritten();
    expect(done()).toEqual([
      ['talker', 0],
      ['talker', 99],
      ['talker', 99],
      ['talker', 100],
      ['code_predictor', 100],
      ['code_predictor', 110],
      ['code_predictor', 200],
    ]);
  });

  it('extrapolates the elapsed time over the bytes left: no ETA before a byte was read, 0 at the end', () => {
    const progress = track({ thinker: 150 });
    progress.startGraph('thinker');
    vi.setSystemTime(10_000);
    progress.read(60);
    progress.graphWritten();
    expect(events.map((p) => [p.elapsedSeconds, p.etaSeconds])).toEqual([
      [0, null],
      [10, 15],
      [10, 0],
    ]);
  });

  it('refuses a graph the plan does not have, by name', () => {
    expect(() => track({ thinker: 1 }).startGraph('code2wav')).toThrow(expect.objectContaining({ code: 'INTERNAL', message: 'build progress: graph code2wav is not in the plan' }));
  });
});
