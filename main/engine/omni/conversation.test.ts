import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChatMessage } from '../processor/text/chatTemplate';
import { goldenCaseNames, goldenMessages, goldenProcessRequest, loadGoldenCase, mediaPath } from '../testing/fixtures';
import { assertClose } from '../testing/parity';
import { buildTinyBundle, CPU_ONLY } from '../testing/tinyBundle';
import type { TurnEvent, TurnRequest } from './conversation';
import { OmniRuntime } from './omniRuntime';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-conversation-'));
let omni: OmniRuntime;
beforeAll(async () => {
  omni = await OmniRuntime.open(await buildTinyBundle(scratch), { stateDir: scratch, providers: CPU_ONLY });
});
afterAll(async () => {
  await omni?.release();
  rmSync(scratch, { recursive: true, force: true });
});

type Done = Extract<TurnEvent, { type: 'done' }>;

async function turn(conversation: ReturnType<OmniRuntime['conversation']>, request: TurnRequest): Promise<{ deltas: TurnEvent[]; done: Done }> {
  const deltas: TurnEvent[] = [];
  for await (const event of conversation.send(request)) {
    if (event.type === 'done') return { deltas, done: event };
    deltas.push(event);
  }
  throw new Error('no done event');
}

const goldenIds = (name: string) => Array.from(loadGoldenCase(name).array('thinker_token_ids', 'int64').data, Number);

describe('a turn end to end (processor, encoders, thinker) under greedy decoding', () => {
  for (const name of goldenCaseNames()) {
    it(`${name}: transformers' token ids and text`, async () => {
      const c = loadGoldenCase(name);
      const { deltas, done } = await turn(omni.conversation(), {
        ...goldenProcessRequest(c),
        sampling: { doSample: false },
        maxNewTokens: c.info.generation.thinker_max_new_tokens,
      });
      expect(done.tokenIds).toEqual(goldenIds(name));
      expect(done.text).toBe(c.info.generated_text);
      expect(deltas.map((d) => (d.type === 'text-delta' ? d.text : '')).join('')).toBe(done.text);
      expect(done.stopReason).toBe('max-tokens');
      expect(done.timings).toMatchObject({ reusedTokens: 0, prefillTokens: c.info.sequence_length, decodeTokens: 7 });
    });
  }
});

describe('multi-turn: the KV cache is reused where the new prompt extends what it holds', () => {
  const greedyTurn = (messages: ChatMessage[]): TurnRequest => ({ messages, sampling: { doSample: false }, maxNewTokens: 8 });

  it("two_turn: the first turn's prompt (with its audio) is reused, and the answer is still transformers'", async () => {
    const c = loadGoldenCase('two_turn');
    const messages = goldenMessages(c);
    const conversation = omni.conversation();
    const first = await turn(conversation, greedyTurn(messages.slice(0, 1)));
    const firstPromptLength = first.done.prompt.inputIds.length;
    // Our first reply is not the case's scripted assistant message, so the reuse ends where that message starts.
    const second = await turn(conversation, greedyTurn(messages));
    expect(second.done.timings.reusedTokens).toBe(firstPromptLength);
    expect(second.done.timings.prefillTokens).toBe(c.info.sequence_length - firstPromptLength);
    expect(second.done.tokenIds).toEqual(goldenIds('two_turn'));

    // The audio slots of the first turn keep their accept-layer rows for the talker (1e-3 relative: our resampler
    // and encoder, not transformers', produced them).
    const H = omni.thinker.settings.hiddenSize;
    const golden = c.array('accept_hidden', 'float32').data;
    const audioSlots = Array.from(second.done.prompt.inputIds, Number).flatMap((id, s) => (id === omni.thinker.settings.mediaTokens.audio ? [s] : []));
    expect([...second.done.acceptHidden.keys()]).toEqual(audioSlots);
    const expected = Float32Array.from(audioSlots.flatMap((s) => [...golden.subarray(s * H, (s + 1) * H)]));
    const actual = Float32Array.from(audioSlots.flatMap((s) => [...second.done.acceptHidden.get(s)!]));
    assertClose('two_turn accept_hidden at audio slots', expected, actual, { atol: 1e-3 * Math.max(...expected.map(Math.abs)) });
  });

  it('a follow-up on our own reply reuses the prompt and the reply, and answers as a fresh conversation would', async () => {
    const c = loadGoldenCase('text');
    const conversation = omni.conversation();
    const first = await turn(conversation, greedyTurn(goldenMessages(c)));
    const followUp: ChatMessage[] = [
      ...goldenMessages(c),
      { role: 'assistant', content: [{ type: 'text', text: first.done.text }] },
      { role: 'user', content: [{ type: 'text', text: 'And then?' }] },
    ];
    const second = await turn(conversation, greedyTurn(followUp));
    expect(second.done.timings.reusedTokens).toBeGreaterThan(first.done.prompt.inputIds.length);
    const fresh = await turn(omni.conversation(), greedyTurn(followUp));
    expect(fresh.done.timings.reusedTokens).toBe(0);
    expect(second.done.tokenIds).toEqual(fresh.done.tokenIds);
  });

  it('other audio with the same text around it: the cache is kept only up to the first audio slot', async () => {
    const c = loadGoldenCase('audio');
    const messages = goldenMessages(c);
    const otherAudio = messages.map((m) => ({
      ...m,
      content: typeof m.content === 'string' ? m.content : m.content.map((item) => (item.type === 'audio' ? { ...item, audio: mediaPath('speech_22k05_mono.wav') } : item)),
    }));
    const conversation = omni.conversation();
    await turn(conversation, greedyTurn(messages));
    const second = await turn(conversation, greedyTurn(otherAudio));
    const firstAudioSlot = Array.from(second.done.prompt.inputIds, Number).indexOf(omni.thinker.settings.mediaTokens.audio);
    expect(second.done.timings.reusedTokens).toBe(firstAudioSlot);
    expect(second.done.tokenIds).toEqual((await turn(omni.conversation(), greedyTurn(otherAudio))).done.tokenIds);
  });

  it('a caller that stops iterating mid-turn leaves the cache describing what it holds', async () => {
    const conversation = omni.conversation();
    await turn(conversation, greedyTurn(goldenMessages(loadGoldenCase('text'))));
    // Another prompt overwrites the cache after their shared first token; the caller leaves after one token.
    for await (const event of conversation.send(greedyTurn(goldenMessages(loadGoldenCase('system'))))) if (event.type === 'text-delta') break;
    const again = await turn(conversation, greedyTurn(goldenMessages(loadGoldenCase('text'))));
    expect(again.done.timings.reusedTokens).toBeLessThan(5);
    expect(again.done.tokenIds).toEqual(goldenIds('text'));
  });

  it('after a cancelled turn, the same request again gives the full answer from the cache', async () => {
    const c = loadGoldenCase('text');
    const conversation = omni.conversation();
    const controller = new AbortController();
    const events: TurnEvent[] = [];
    for await (const event of conversation.send({ ...greedyTurn(goldenMessages(c)), signal: controller.signal })) {
      events.push(event);
      if (events.filter((e) => e.type === 'text-delta').length === 2) controller.abort();
    }
    expect(events.map((e) => e.type)).toEqual(['prefill', 'text-delta', 'text-delta', 'done']);
    expect(events.at(-1)).toMatchObject({ type: 'done', stopReason: 'cancelled', tokenIds: goldenIds('text').slice(0, 2) });
    const again = await turn(conversation, greedyTurn(goldenMessages(c)));
    expect(again.done.timings.reusedTokens).toBe(c.info.sequence_length - 1);
    expect(again.done.tokenIds).toEqual(goldenIds('text'));
  });
});

describe('sampling through a turn', () => {
  const request = (seed: number): TurnRequest => ({
    ...goldenProcessRequest(loadGoldenCase('text')),
    sampling: { doSample: true, temperature: 1.5, topK: 0, topP: 1 },
    seed,
    maxNewTokens: 8,
  });

  it('repeats itself for a seed and differs for another', async () => {
    const a = await turn(omni.conversation(), request(7));
    const b = await turn(omni.conversation(), request(7));
    const other = await turn(omni.conversation(), request(8));
    expect(a.done.tokenIds).toHaveLength(8);
    expect(b.done.tokenIds).toEqual(a.done.tokenIds);
    expect(other.done.tokenIds).not.toEqual(a.done.tokenIds);
  });

  it('takes its defaults from the bundle: the tiny checkpoint has none, so transformers\' greedy decoding', async () => {
    expect(omni.samplingDefaults.doSample).toBe(false);
    const { done } = await turn(omni.conversation(), { ...goldenProcessRequest(loadGoldenCase('text')), maxNewTokens: 8 });
    expect(done.tokenIds).toEqual(goldenIds('text'));
  });
});
