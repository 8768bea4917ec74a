import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadGoldenCase, mediaPath } from '../testing/fixtures';
import { localTurn } from '../testing/localTurn';
import { buildTinyBundle, CPU_ONLY } from '../testing/tinyBundle';
import type { LocalChatSendRequest, ModelLoad, TurnEvent } from '../protocol';
import { Assistant } from './assistant';
import { OmniRuntime } from './omniRuntime';
import { until } from '../../../test/until';

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

const openTiny = (dir: string) => OmniRuntime.open(dir, { stateDir: scratch, providers: CPU_ONLY });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long the slow fake open takes: long enough to act while it runs, like the minutes of a real model. */
const SLOW_OPEN_MS = 400;

/** `open` defaults to the tiny bundle's real open; `opens` counts the calls. */
function harness(open: (dir: string) => Promise<OmniRuntime> = openTiny) {
  const events: TurnEvent[] = [];
  const busy: boolean[] = [];
  const loads: ModelLoad[] = [];
  const speech: Parameters<ConstructorParameters<typeof Assistant>[0]['onSpeech']>[0][] = [];
  const opens: string[] = [];
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
    onLoad: (load) => loads.push(load),
    open: (dir) => {
      opens.push(dir);
      return open(dir);
    },
  });
  const finished = () => new Promise<void>((resolve) => (settle = resolve));
  return { assistant, events, busy, loads, speech, opens, finished };
}

/** The tiny bundle's real open, SLOW_OPEN_MS late. */
const slowOpen = async (dir: string) => {
  await sleep(SLOW_OPEN_MS);
  return openTiny(dir);
};


/** The error `act` throws (it must throw). */
function thrownBy(act: () => void): unknown {
  try {
    act();
  } catch (error) {
    return error;
  }
  throw new Error('expected a refusal, but the call went through');
}

const request = (overrides: Partial<LocalChatSendRequest> = {}) => localTurn(bundleDir, overrides);

describe('Assistant', () => {
  it("streams a greedy reply as started, text deltas and done, matching transformers' text for the same prompt", async () => {
    const golden = loadGoldenCase('text');
    const userText = 'Tell me a short story about a robot who learns to paint.';
    expect(golden.info.prompt_text).toContain(userText);
    const { assistant, events, busy, finished } = harness();
    const done = finished();
    assistant.start(request({ text: userText }));
    await done;
    expect(events.slice(0, 2)).toEqual([
      { type: 'loading', turnId: 't1', part: 'model' },
      { type: 'started', turnId: 't1' },
    ]);
    const deltas = events.filter((e) => e.type === 'text-delta').map((e) => (e.type === 'text-delta' ? e.text : ''));
    expect(deltas.join('')).toBe(golden.info.generated_text);
    expect(events.at(-1)).toEqual({ type: 'done', turnId: 't1', text: golden.info.generated_text, interrupted: false, speechSamples: 0 });
    expect(busy).toEqual([true, false]);
    await assistant.release();
  });

  it("speaks the reply: 24 kHz chunks in order whose total is the done event's speech samples, then speech end", async () => {
    const { assistant, events, speech, finished } = harness();
    const done = finished();
    assistant.start(request({ text: 'Tell me a short story about a robot who learns to paint.', speak: true, speaker: 'ethan', maxSpeechFrames: 12 }));
    await done;
    expect(events.slice(0, 3)).toEqual([
      { type: 'loading', turnId: 't1', part: 'model' },
      { type: 'loading', turnId: 't1', part: 'speech' },
      { type: 'started', turnId: 't1' },
    ]);
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
    assistant.start(request({ text: 'Tell me a long story.', sampling: { doSample: false, maxNewTokens: 500 } }));
    expect(thrownBy(() => assistant.start(request({ turnId: 't2', text: 'And another?' })))).toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'Turn t2 refused: turn t1 is still running.',
    });
    await until(() => events.some((e) => e.type === 'text-delta'));
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
    expect(thrownBy(() => assistant.start(request({ text: '   ' })))).toMatchObject({ code: 'INVALID_REQUEST', message: 'Turn t1 is empty: no text, attachment or speech.' });
    expect(readdirSync(turnScratch)).toEqual([]);
    await assistant.release();
  });

  it('answers about an attached image, then a follow-up in the same conversation reuses the cache', async () => {
    const { assistant, events, finished } = harness();
    const image = readFileSync(mediaPath('image_odd_75x53.png'));
    let done = finished();
    assistant.start(request({ text: 'What is this?', attachments: [{ kind: 'image', name: 'odd.png', mime: 'image/png', data: new Uint8Array(image) }] }));
    await done;
    expect(events.at(-1)).toMatchObject({ type: 'done', interrupted: false });
    done = finished();
    assistant.start(request({ turnId: 't2', text: 'And the colours?' }));
    await done;
    expect(events.at(-1)).toMatchObject({ type: 'done', turnId: 't2', interrupted: false });
    expect(readdirSync(turnScratch)).toEqual([]);
    await assistant.release();
  });
});

describe('Assistant while a model opens', () => {
  it('claims a turn at once and opens the model after: loading, then started once it is open', async () => {
    const { assistant, events, loads, busy, finished } = harness(slowOpen);
    const done = finished();
    const asked = Date.now();
    assistant.start(request({ text: 'Hello?' }));
    expect(assistant.activeTurn).toBe('t1');
    expect(busy).toEqual([true]);
    // Nothing of the turn leaves in the same turn of the event loop as the claim: chat.send's answer goes first.
    expect(events).toEqual([]);
    await until(() => events.length > 0);
    expect(events).toEqual([{ type: 'loading', turnId: 't1', part: 'model' }]);
    expect(loads).toEqual([{ bundleDir, part: 'model', load: { state: 'loading', since: expect.any(Number) } }]);
    await done;
    expect(events.map((e) => e.type)).toEqual(['loading', 'started', ...events.slice(2, -1).map(() => 'text-delta'), 'done']);
    const loaded = loads[1];
    expect(loaded).toMatchObject({ bundleDir, part: 'model', load: { state: 'loaded' } });
    expect(loaded.load.state === 'loaded' && loaded.load.ms).toBeGreaterThanOrEqual(SLOW_OPEN_MS);
    expect(Date.now() - asked).toBeGreaterThanOrEqual(SLOW_OPEN_MS);
    expect(busy).toEqual([true, false]);
    await assistant.release();
  });

  it('ends a turn whose model fails to open with an error naming the bundle, and opens it again on the next turn', async () => {
    let failures = 1;
    const { assistant, events, loads, opens, finished } = harness(async (dir) => {
      if (failures-- > 0) throw new Error('Failed to allocate 61 GB');
      return openTiny(dir);
    });
    let done = finished();
    assistant.start(request({ text: 'Hello?' }));
    await done;
    const error = { code: 'INTERNAL', message: `The model in ${bundleDir} could not be opened: Failed to allocate 61 GB` };
    expect(events).toEqual([
      { type: 'loading', turnId: 't1', part: 'model' },
      { type: 'error', turnId: 't1', error },
    ]);
    expect(loads.map((l) => l.load)).toEqual([
      { state: 'loading', since: expect.any(Number) },
      { state: 'failed', ms: expect.any(Number), error },
    ]);
    expect(assistant.activeTurn).toBeUndefined();

    done = finished();
    assistant.start(request({ turnId: 't2', text: 'Hello again?' }));
    await done;
    expect(events.filter((e) => e.turnId === 't2').map((e) => e.type).slice(0, 2)).toEqual(['loading', 'started']);
    expect(events.at(-1)).toMatchObject({ type: 'done', turnId: 't2', interrupted: false });
    expect(opens).toEqual([bundleDir, bundleDir]);
    await assistant.release();
  });

  it('ends a turn interrupted while its model opens as interrupted, once the model is open and before any token; a turn asked for meanwhile follows it', async () => {
    const { assistant, events, busy, loads } = harness(slowOpen);
    assistant.start(request({ text: 'Tell me a long story.' }));
    await until(() => events.length > 0);
    expect(assistant.interrupt('t1')).toBe(true);
    expect(assistant.activeTurn).toBeUndefined();
    // The next question, asked at once, is not refused for the stopped turn: it runs after it, on the same open.
    assistant.start(request({ turnId: 't2', text: 'Hello?' }));
    expect(thrownBy(() => assistant.start(request({ turnId: 't3', text: 'And another?' })))).toMatchObject({
      message: 'Turn t3 refused: turn t2 is still running.',
    });
    await until(() => events.some((e) => e.type === 'done' && e.turnId === 't2'));
    expect(events.filter((e) => e.turnId === 't1')).toEqual([
      { type: 'loading', turnId: 't1', part: 'model' },
      { type: 'done', turnId: 't1', text: '', interrupted: true, speechSamples: 0 },
    ]);
    expect(events.findIndex((e) => e.turnId === 't2')).toBeGreaterThan(events.findIndex((e) => e.type === 'done' && e.turnId === 't1'));
    expect(events.filter((e) => e.turnId === 't2').map((e) => e.type)[0]).toBe('started');
    expect(events.at(-1)).toMatchObject({ type: 'done', turnId: 't2', interrupted: false });
    expect(loads.filter((l) => l.load.state === 'loaded')).toHaveLength(1);
    expect(busy).toEqual([true, true, false, false]);
    await assistant.release();
  });

  it('preloads a model once: a turn asked for while it opens waits for the same open, a later one does not wait', async () => {
    const { assistant, events, loads, opens, finished } = harness(slowOpen);
    assistant.preload(bundleDir, false);
    let done = finished();
    assistant.start(request({ text: 'Hello?' }));
    await done;
    expect(opens).toEqual([bundleDir]);
    expect(events.slice(0, 2)).toEqual([
      { type: 'loading', turnId: 't1', part: 'model' },
      { type: 'started', turnId: 't1' },
    ]);
    expect(loads.map((l) => [l.part, l.load.state])).toEqual([
      ['model', 'loading'],
      ['model', 'loaded'],
    ]);

    assistant.preload(bundleDir, false);
    done = finished();
    assistant.start(request({ turnId: 't2', text: 'Hello again?' }));
    await done;
    expect(events.find((e) => e.turnId === 't2')).toEqual({ type: 'started', turnId: 't2' });
    expect(opens).toEqual([bundleDir]);
    expect(loads).toHaveLength(2);
    await assistant.release();
  });

  it('preloads the speech side too, so the first spoken turn waits for nothing', async () => {
    const { assistant, events, loads, finished } = harness();
    assistant.preload(bundleDir, true);
    await until(() => loads.length === 4);
    expect(loads.map((l) => [l.part, l.load.state])).toEqual([
      ['model', 'loading'],
      ['model', 'loaded'],
      ['speech', 'loading'],
      ['speech', 'loaded'],
    ]);
    const done = finished();
    assistant.start(request({ text: 'Hello?', speak: true, maxSpeechFrames: 4 }));
    await done;
    expect(events[0]).toEqual({ type: 'started', turnId: 't1' });
    expect(events.at(-1)).toMatchObject({ type: 'done', interrupted: false, speechSamples: 1920 * 4 - 555 });
    expect(loads).toHaveLength(4);
    await assistant.release();
  });

  it('releases the model only once the running turn has ended and the speech side still opening is open', async () => {
    const { assistant, events, loads } = harness();
    assistant.preload(bundleDir, true);
    assistant.start(request({ text: 'Tell me a long story.', sampling: { doSample: false, maxNewTokens: 500 } }));
    await until(() => loads.some((l) => l.part === 'speech'));
    await assistant.release();
    expect(loads.map((l) => [l.part, l.load.state])).toEqual([
      ['model', 'loading'],
      ['model', 'loaded'],
      ['speech', 'loading'],
      ['speech', 'loaded'],
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', turnId: 't1', interrupted: true });
  });

  it('reports a preload that fails, naming the bundle, and leaves the next turn to try again', async () => {
    const missing = path.join(scratch, 'no-such-bundle');
    const { assistant, events, loads, finished } = harness();
    assistant.preload(missing, true);
    await until(() => loads.length === 2);
    expect(loads[1]).toMatchObject({ bundleDir: missing, part: 'model', load: { state: 'failed', error: { message: expect.stringContaining(missing) } } });
    const done = finished();
    assistant.start(request({ text: 'Hello?' }));
    await done;
    expect(events.at(-1)).toMatchObject({ type: 'done', turnId: 't1', interrupted: false });
    await assistant.release();
  });

  it('refuses to preload another model while a turn runs on this one', async () => {
    const { assistant, finished } = harness(slowOpen);
    const done = finished();
    assistant.start(request({ text: 'Hello?' }));
    expect(thrownBy(() => assistant.preload(path.join(scratch, 'other-bundle'), false))).toMatchObject({
      code: 'INVALID_REQUEST',
      message: `Preloading ${path.join(scratch, 'other-bundle')} refused: turn t1 is running on another model.`,
    });
    assistant.preload(bundleDir, false);
    await done;
    await assistant.release();
  });
});
