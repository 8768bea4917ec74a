import { describe, expect, it } from 'vitest';
import { formatDuration, percent, phaseLabel, progressLine } from './progress';

describe('model job progress', () => {
  it('writes remaining times as people say them', () => {
    expect([0.4, 8, 59.6, 250, 3600, 7_500].map(formatDuration)).toEqual(['0 s', '8 s', '1 min', '4 min 10 s', '1 h', '2 h 5 min']);
  });

  it('gives amount, speed and time left; a stall says it waits rather than showing an old estimate', () => {
    const moving = { bytesDone: 5_200_000, bytesTotal: 13_000_000, bytesPerSecond: 3_140_000, etaSeconds: 2.5 };
    expect(progressLine(moving, false)).toBe('5.2 MB of 13.0 MB · 3.1 MB/s · about 3 s left');
    expect(progressLine({ ...moving, bytesPerSecond: 0, etaSeconds: undefined }, false)).toBe('5.2 MB of 13.0 MB · 0 bytes/s · waiting for data');
    expect(progressLine(moving, true)).toBe('5.2 MB of 13.0 MB');
    expect(percent(moving)).toBe(40);
    expect(percent({ ...moving, bytesTotal: 0 })).toBe(0);
  });

  it('names each phase', () => {
    expect(phaseLabel({ id: 'a/b', variant: 'int4', phase: 'building' })).toBe('Building the int4 bundle');
    expect(phaseLabel({ id: 'a/b', variant: 'fp32', phase: 'done' })).toBe('Installed (fp32)');
  });
});
