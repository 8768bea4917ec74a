import { describe, expect, it } from 'vitest';
import { formatBytes, providerName } from './format';

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
});
