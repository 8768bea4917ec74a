import { describe, expect, it } from 'vitest';
import { TINY_CHECKPOINT_DIR } from '../testing/fixtures';
import { expansionCases } from './__fixtures__/expansionAndRope';
import { Qwen3OmniProcessor } from './processor';

const processor = Qwen3OmniProcessor.fromCheckpoint(TINY_CHECKPOINT_DIR);

describe('processor: rendered prompt + media sizes → ids and positions, as transformers', () => {
  it.each(expansionCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { inputIds, positionIds, ropeDelta } = processor.tokenize(c.prompt, c, c.useAudioInVideo);
    expect(Array.from(inputIds, Number)).toEqual(c.inputIds);
    const s = c.inputIds.length;
    expect([0, 1, 2].map((r) => Array.from(positionIds.subarray(r * s, (r + 1) * s)))).toEqual(c.positionIds);
    expect(ropeDelta).toBe(c.ropeDelta);
  });
});
