import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadGoldenCase, mediaPath } from '../testing/fixtures';
import { buildTinyBundle, CPU_ONLY } from '../testing/tinyBundle';
import type { EngineChatSendRequest, TurnEvent } from '../protocol';
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
  let settle: () => void = () => {};
  const assistant = new Assistant({
    stateDir: scratch,
    scratchDir: turnScratch,
    emit: (event) => {
      events.push(event);
      if (event.type === 'done' || event.type === 'error') settle();
    },
    onBusy: (b) => busy.push(b),
    open: (dir) => OmniRuntime.open(dir, { stateDir: scratch, providers: CPU_ONLY }),
  });
  const finished = () => new Promise<void>((resolve) => (settle = resolve));
  return { assistant, events, busy, finished };
}

const request = (overrides: Partial<EngineChatSendRequest> = {}): EngineChatSendRequest => ({
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
