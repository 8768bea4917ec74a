import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatSeconds, providerName } from './format';

describe('formatting', () => {
  it('writes sizes in decimal units with at most one decimal', () => {
    expect([0, 999, 1_000, 1_536_000, 123_456_789, 17_200_000_000].map(formatBytes)).toEqual([
      '0 bytes',
      '999 bytes',
      '1.0 KB',
      '1.5 MB',
      '123 MB',
      '17.2 GB',
    ]);
  });

  it('writes times taken to a tenth below ten seconds, then in seconds and minutes; a growing wait in whole seconds', () => {
    expect([0, 412, 8_649, 9_960, 42_400, 59_600, 185_000, 3_600_000].map((ms) => formatDuration(ms))).toEqual([
      '0.0 s',
      '0.4 s',
      '8.6 s',
      '10.0 s',
      '42 s',
      '1 min 0 s',
      '3 min 5 s',
      '60 min 0 s',
    ]);
    expect([-5, 999, 8_649, 59_999, 185_400].map((ms) => formatDuration(ms, { whole: true }))).toEqual(['0 s', '0 s', '8 s', '59 s', '3 min 5 s']);
  });

  it('names execution providers as their vendors do', () => {
    expect((['cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const).map(providerName)).toEqual(['CPU', 'CUDA', 'DirectML', 'Core ML', 'WebGPU']);
  });

  it('writes audio lengths in seconds with one decimal', () => {
    expect([formatSeconds(25_600, 16_000), formatSeconds(30_240, 24_000), formatSeconds(0, 24_000)]).toEqual(['1.6 s', '1.3 s', '0.0 s']);
  });
});
