import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadGoldenCase, mediaPath } from '../testing/fixtures';
import { buildTinyBundle, CPU_ONLY } from '../testing/tinyBundle';
import type { LocalChatSendRequest, TurnEvent } from '../protocol';
import { Assistant } from './assistant';
import { OmniRuntime } from './omniRuntime';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-assistant-'));
const turnScratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-assistant-turns-'));
let bundleDir: string;
beforeAll(async () => {
  bundleDir = await buildTinyBundle(scratch);
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
  rmSync(turnScratch, { recursive: true, force: true });
});

function harness() {
  const events: TurnEvent[] = [];
  const busy: boolean[] = [];
  const speech: Parameters<ConstructorParameters<typeof Assistant>[0]['onSpeech']>[0][] = [];
  let settle: () => void = () => {};
  const assistant = new Assistant({
    stateDir: scratch,
    scratchDir: turnScratch,
    emit: (event) => {
      events.push(event);
      if (event.type === 'done' || event.type === 'error') settle();
    },
    onBusy: (b) => busy.push(b),
    onSpeech: (chunk) => speech.push(chunk),
    open: (dir) => OmniRuntime.open(dir, { stateDir: scratch, providers: CPU_ONLY }),
  });
  const finished = () => new Promise<void>((resolve) => (settle = resolve));
  return { assistant, events, busy, speech, finished };
}

const request = (overrides: Partial<LocalChatSendRequest> = {}): LocalChatSendRequest => ({
  conversationId: 'c1',
  turnId: 't1',
  text: '',
  attachments: [],
  micAudio: false,
  speak: false,
  bundleDir,
  sampling: { doSample: false, maxNewTokens: 8 },
  ...overrides,
});

describe('Assistant', () => {
  it("streams a greedy reply as started, text deltas and done, matching transformers' text for the same prompt", async () => {
    const golden = loadGoldenCase('text');
    const userText = 'Tell me a short story about a robot who learns to paint.';
    expect(golden.info.prompt_text).toContain(userText);
    const { assistant, events, busy, finished } = harness();
    const done = finished();
    await assistant.start(request({ text: userText }));
    await done;
    expect(events[0]).toEqual({ type: 'started', turnId: 't1' });
    const deltas = events.filter((e) => e.type === 'text-delta').map((e) => (e.type === 'text-delta' ? e.text : ''));
    expect(deltas.join('')).toBe(golden.info.generated_text);
    expect(events.at(-1)).toEqual({ type: 'done', turnId: 't1', text: golden.info.generated_text, interrupted: false, speechSamples: 0 });
    expect(busy).toEqual([true, false]);
    await assistant.release();
  });

  it("speaks the reply: 24 kHz chunks in order whose total is the done event's speech samples, then speech end", async () => {
    const { assistant, events, speech, finished } = harness();
    const done = finished();
    await assistant.start(request({ text: 'Tell me a short story about a robot who learns to paint.', speak: true, speaker: 'ethan', maxSpeechFrames: 12 }));
    await done;
    const chunks = speech.filter((c): c is Extract<typeof c, { seq: number }> => 'seq' in c);
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    const total = chunks.reduce((n, c) => n + c.samples.length, 0);
    // Random tiny weights never say EOS: the talker stops at the 12-frame cap, 1920 · 12 − 555 samples.
    expect(total).toBe(1920 * 12 - 555);
    expect(speech.at(-1)).toEqual({ turnId: 't1', end: true, samples: total });
    expect(events.at(-1)).toMatchObject({ type: 'done', turnId: 't1', interrupted: false, speechSamples: total });
    await assistant.release();
  });

  it('refuses a second turn while one runs, and stops the running one within a token when interrupted', async () => {
    const { assistant, events, finished } = harness();
    const done = finished();
    await assistant.start(request({ text: 'Tell me a long story.', sampling: { doSample: false, maxNewTokens: 500 } }));
    await expect(assistant.start(request({ turnId: 't2', text: 'And another?' }))).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'Turn t2 refused: turn t1 is still running.',
    });
    expect(assistant.interrupt('t2')).toBe(false);
    expect(assistant.interrupt('t1')).toBe(true);
    await done;
    const last = events.at(-1);
    expect(last).toMatchObject({ type: 'done', turnId: 't1', interrupted: true });
    expect(events.filter((e) => e.type === 'text-delta').length).toBeLessThan(500);
    await assistant.release();
  });

  it('refuses an empty turn and leaves no scratch files behind', async () => {
    const { assistant } = harness();
    await expect(assistant.start(request({ text: '   ' }))).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: 'Turn t1 is empty: no text, attachment or speech.' });
    expect(readdirSync(turnScratch)).toEqual([]);
    await assistant.release();
  });

  it('answers about an attached image, then a follow-up in the same conversation reuses the cache', async () => {
    const { assistant, events, finished } = harness();
    const image = readFileSync(mediaPath('image_odd_75x53.png'));
    let done = finished();
    await assistant.start(request({ text: 'What is this?', attachments: [{ kind: 'image', name: 'odd.png', mime: 'image/png', data: new Uint8Array(image) }] }));
    await done;
    expect(events.at(-1)).toMatchObject({ type: 'done', interrupted: false });
    done = finished();
    await assistant.start(request({ turnId: 't2', text: 'And the colours?' }));
    await done;
    expect(events.at(-1)).toMatchObject({ type: 'done', turnId: 't2', interrupted: false });
    expect(readdirSync(turnScratch)).toEqual([]);
    await assistant.release();
  });
});
