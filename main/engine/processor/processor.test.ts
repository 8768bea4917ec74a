import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TINY_CHECKPOINT_DIR } from '../testing/fixtures';
import { expansionCases } from './__fixtures__/expansionAndRope';
import { Qwen3OmniProcessor, turnMessages } from './processor';
import { testTempDir } from '../../../test/tempDir';

const processor = Qwen3OmniProcessor.fromCheckpoint(TINY_CHECKPOINT_DIR);

/** A bundle-like directory: the processor's files copied unchanged, no weights; `edit` may change config.json. */
function processorFilesDir(edit: (config: { thinker_config: { text_config: Record<string, unknown> } }) => void = () => {}): string {
  const dir = testTempDir('bundle');
  for (const file of ['preprocessor_config.json', 'tokenizer_config.json', 'vocab.json', 'merges.txt']) {
    copyFileSync(path.join(TINY_CHECKPOINT_DIR, file), path.join(dir, file));
  }
  const config = JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'config.json'), 'utf8'));
  edit(config);
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

describe('processor: rendered prompt + media sizes → ids and positions, as transformers', () => {
  it.each(expansionCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const { inputIds, positionIds, ropeDelta } = processor.tokenize(c.prompt, c, c.useAudioInVideo);
    expect(Array.from(inputIds, Number)).toEqual(c.inputIds);
    const s = c.inputIds.length;
    expect([0, 1, 2].map((r) => Array.from(positionIds.subarray(r * s, (r + 1) * s)))).toEqual(c.positionIds);
    expect(ropeDelta).toBe(c.ropeDelta);
  });
});

describe('processor', () => {
  it('loads from a bundle directory holding only the tokenizer, preprocessor and config files', async () => {
    const bundled = Qwen3OmniProcessor.fromCheckpoint(processorFilesDir());
    const inputs = [{ kind: 'text', text: 'Hello' }] as const;
    const [a, b] = await Promise.all([bundled.process({ inputs }), processor.process({ messages: turnMessages(inputs) })]);
    expect(a.prompt).toBe('<|im_start|>user\nHello<|im_end|>\n<|im_start|>assistant\n');
    expect(a.inputIds).toEqual(b.inputIds);
  });

  it("refuses a prompt longer than the model's context", async () => {
    const small = Qwen3OmniProcessor.fromCheckpoint(processorFilesDir((c) => (c.thinker_config.text_config.max_position_embeddings = 8)));
    await expect(small.process({ inputs: [{ kind: 'text', text: 'Tell me a short story.' }] })).rejects.toThrow(
      "the prompt has 14 tokens, more than the model's context of 8",
    );
  });

  it('turns headless inputs into one user turn, media first, and a system message only when asked', () => {
    expect(
      turnMessages([
        { kind: 'text', text: 'Compare' },
        { kind: 'image', file: 'a.png' },
        { kind: 'system', text: 'Be brief.' },
        { kind: 'audio', file: 'b.wav' },
        { kind: 'video', file: 'c.mp4' },
        { kind: 'text', text: ' them.' },
      ]),
    ).toEqual([
      { role: 'system', content: [{ type: 'text', text: 'Be brief.' }] },
      {
        role: 'user',
        content: [
          { type: 'image', image: 'a.png' },
          { type: 'audio', audio: 'b.wav' },
          { type: 'video', video: 'c.mp4' },
          { type: 'text', text: 'Compare' },
          { type: 'text', text: ' them.' },
        ],
      },
    ]);
    expect(turnMessages([{ kind: 'text', text: 'Hi' }])).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
  });
});
