import { describe, expect, it } from 'vitest';
import { loadTokenizer } from '../processor/text/tokenizer';
import { goldenCaseNames, loadGoldenCase, TINY_CHECKPOINT_DIR } from '../testing/fixtures';
import { TextStream } from './textStream';

const tokenizer = loadTokenizer(TINY_CHECKPOINT_DIR);
const deltas = (ids: number[]) => {
  const stream = new TextStream(tokenizer);
  return [...ids.map((id) => stream.push(id)), stream.finish()];
};

describe('incremental detokenisation', () => {
  it('holds back a character split across tokens until it is complete', () => {
    // 🦜 is two byte-level tokens, 𓀀 three; "é" is one.
    expect(tokenizer.encode('é🦜𓀀!')).toEqual([963, 123918, 250, 124373, 222, 222, 0]);
    expect(deltas([963, 123918, 250, 124373, 222, 222, 0])).toEqual(['é', '', '🦜', '', '', '𓀀', '!', '']);
  });

  it('releases an invalid byte that nothing completes, as a full decode shows it (U+FFFD)', () => {
    expect(deltas([123918, 10331])).toEqual(['', '\uFFFDBlue', '']);
    expect(deltas([10331, 123918])).toEqual(['Blue', '', '\uFFFD']);
  });

  for (const name of goldenCaseNames()) {
    it(`${name}: the deltas concatenated are transformers' decode of the generated ids`, () => {
      const c = loadGoldenCase(name);
      const ids = Array.from(c.array('thinker_token_ids', 'int64').data, Number);
      expect(deltas(ids).join('')).toBe(c.info.generated_text);
    });
  }
});
