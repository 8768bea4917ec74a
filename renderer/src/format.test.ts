import { describe, expect, it } from 'vitest';
import { formatBytes, formatSeconds, providerName } from './format';

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

  it('names execution providers as their vendors do', () => {
    expect((['cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const).map(providerName)).toEqual(['CPU', 'CUDA', 'DirectML', 'Core ML', 'WebGPU']);
  });

  it('writes audio lengths in seconds with one decimal', () => {
    expect([formatSeconds(25_600, 16_000), formatSeconds(30_240, 24_000), formatSeconds(0, 24_000)]).toEqual(['1.6 s', '1.3 s', '0.0 s']);
  });
});
