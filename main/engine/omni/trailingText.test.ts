import { describe, expect, it } from 'vitest';
import { TrailingText } from './trailingText';

const EOS = 900;
const PAD = 901;

/** A projection that returns each id as a one-wide row, and records its calls. */
function queue() {
  const calls: number[][] = [];
  const text = new TrailingText(async (ids) => {
    calls.push([...ids]);
    return Float32Array.from(ids);
  }, { ttsEos: EOS, ttsPad: PAD });
  const row = async (step: number, signal?: AbortSignal) => (await text.row(step, signal))[0];
  return { text, calls, row };
}

const pending = async (promise: Promise<unknown>) => {
  let settled = false;
  void promise.then(() => (settled = true), () => (settled = true));
  for (let i = 0; i < 5; i++) await Promise.resolve();
  return !settled;
};

describe('the trailing queue', () => {
  it('holds the tokens the thinker moved past, then tts_eos and tts_pad; the last token is dropped as transformers does', async () => {
    const { text, row } = queue();
    for (const id of [11, 12, 13]) text.push(id);
    expect([await row(0), await row(1)]).toEqual([11, 12]);
    text.end();
    expect([await row(2), await row(3), await row(9)]).toEqual([EOS, PAD, PAD]);
  });

  it('waits while the thinker has not moved past a token, and never substitutes padding for it', async () => {
    const { text, row } = queue();
    text.push(11);
    const first = row(0);
    expect(await pending(first)).toBe(true);
    text.push(12);
    expect(await first).toBe(11);
    const second = row(1);
    expect(await pending(second)).toBe(true);
    text.end();
    expect(await second).toBe(EOS);
  });

  it('projects the tokens that joined since the last row in one run, the end rows with the last ones', async () => {
    const { text, calls, row } = queue();
    for (const id of [11, 12, 13, 14]) text.push(id);
    await row(0);
    await row(2);
    text.push(15);
    text.end();
    await row(5);
    expect(calls).toEqual([[11, 12, 13], [14, EOS, PAD]]);
  });

  it('a reply of one token (g0 only) or two gives tts_eos first', async () => {
    const one = queue();
    one.text.end();
    expect(await one.row(0)).toBe(EOS);
    const two = queue();
    two.text.push(11);
    two.text.end();
    expect([await two.row(0), await two.row(1)]).toEqual([EOS, PAD]);
  });

  it('a wait ends with the abort reason, or with the thinker failure', async () => {
    const aborted = queue();
    const controller = new AbortController();
    const waiting = aborted.row(0, controller.signal);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    const failed = queue();
    const failing = failed.row(0);
    failed.text.fail(new Error('thinker broke'));
    await expect(failing).rejects.toThrow('thinker broke');
  });
});
