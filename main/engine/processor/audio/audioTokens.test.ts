import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { extractAudioFeatures } from './audioFeatures';
import { audioTokenCount, maxAudioSecondsForTokens } from './audioTokens';

const preprocessorConfig = JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'preprocessor_config.json'), 'utf8')) as Record<string, unknown>;

describe('audio token count (qwen3-omni.md §3.1, verified on transformers 5.18)', () => {
  it.each([
    [16000, 100, 13],
    [16160, 101, 14],
    [4000, 25, 4],
    [400, 2, 1],
    [80000, 500, 65],
  ])('%i samples → %i frames → %i tokens', (samples, frames, tokens) => {
    const features = extractAudioFeatures([new Float32Array(samples).fill(0.01)], preprocessorConfig);
    expect(features.frames).toEqual([frames]);
    expect(audioTokenCount(frames)).toBe(tokens);
  });

  it.each([
    [1, 1],
    [50, 7],
    [99, 13],
    [100, 13],
    [3000, 390],
    [6000, 780],
    [30000, 3900],
  ])('%i frames → %i tokens (13 per full second, the remainder through three stride-2 convolutions)', (frames, tokens) => {
    expect(audioTokenCount(frames)).toBe(tokens);
  });

  it('counts no tokens for a zero remainder: floor((0 − 1) / 2) is −1 in Python', () => {
    expect(audioTokenCount(0)).toBe(0);
    expect(audioTokenCount(200)).toBe(26);
  });

  it('gives the longest audio a token budget holds', () => {
    expect(maxAudioSecondsForTokens(32768)).toBe(2520);
    expect(audioTokenCount(2520 * 100)).toBeLessThanOrEqual(32768);
    expect(maxAudioSecondsForTokens(12)).toBe(0);
  });
});
