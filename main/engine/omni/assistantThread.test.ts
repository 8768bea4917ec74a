import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { suiteTempDir, testTempDir } from '../../../test/tempDir';
import type { LocalChatSendRequest, ModelLoad, TurnEvent } from '../protocol';
import { loadGoldenCase } from '../testing/fixtures';
import { localTurn } from '../testing/localTurn';
import { buildTinyBundle } from '../testing/tinyBundle';
import type { SpeechChunk } from './assistant';
import { AssistantThread } from './assistantThread';
import { until } from '../../../test/until';

const scratch = suiteTempDir('assistant-thread');
let bundleDir: string;
beforeAll(async () => {
  bundleDir = await buildTinyBundle(scratch);
});

const threads: AssistantThread[] = [];
afterEach(async () => {
  await Promise.all(threads.splice(0).map((thread) => thread.release()));
});


function harness(entry?: string) {
  const events: TurnEvent[] = [];
  const busy: boolean[] = [];
  const loads: ModelLoad[] = [];
  const speech: SpeechChunk[] = [];
  const thread = new AssistantThread({
    stateDir: scratch,
    scratchDir: testTempDir('assistant-thread-turns'),
    emit: (event) => events.push(event),
    onBusy: (b) => busy.push(b),
    onSpeech: (chunk) => speech.push(chunk),
    onLoad: (load) => loads.push(load),
    ...(entry && { entry }),
  });
  threads.push(thread);
  const ended = (turnId: string) => until(() => events.some((e) => (e.type === 'done' || e.type === 'error') && e.turnId === turnId), 30_000);
  return { thread, events, busy, loads, speech, ended };
}

const request = (overrides: Partial<LocalChatSendRequest> = {}) => localTurn(bundleDir, { text: 'Tell me a short story about a robot who learns to paint.', ...overrides });

describe('AssistantThread (local turns on a worker thread)', () => {
  it("answers a greedy turn with transformers' text, its events in the order the engine's own thread gives them", async () => {
    const golden = loadGoldenCase('text');
    const { thread, events, busy, ended } = harness();
    thread.start(request());
    expect(thread.activeTurn).toBe('t1');
    await ended('t1');
    expect(events.slice(0, 2)).toEqual([
      { type: 'loading', turnId: 't1', part: 'model' },
      { type: 'started', turnId: 't1' },
    ]);
    expect(events.flatMap((e) => (e.type === 'text-delta' ? [e.text] : [])).join('')).toBe(golden.info.generated_text);
    expect(events.at(-1)).toEqual({ type: 'done', turnId: 't1', text: golden.info.generated_text, interrupted: false, speechSamples: 0 });
    expect(busy).toEqual([true, false]);
    expect(thread.activeTurn).toBeUndefined();
  });

  it('streams speech chunks in order, then speech end, as the turn is spoken', async () => {
    const { thread, speech, events, ended } = harness();
    thread.start(request({ speak: true, speaker: 'ethan', maxSpeechFrames: 12 }));
    await ended('t1');
    const chunks = speech.filter((c): c is Extract<SpeechChunk, { seq: number }> => 'seq' in c);
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(chunks.every((c) => c.samples instanceof Float32Array)).toBe(true);
    const total = chunks.reduce((n, c) => n + c.samples.length, 0);
    expect(total).toBe(1920 * 12 - 555);
    expect(speech.at(-1)).toEqual({ turnId: 't1', end: true, samples: total });
    expect(events.at(-1)).toMatchObject({ type: 'done', speechSamples: total });
  });

  it("keeps the engine's thread turning while the model opens, and claims and refuses turns meanwhile", async () => {
    const { thread, loads, ended } = harness();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    try {
      thread.preload(bundleDir, true);
      await until(() => loads.length > 0);
      const atLoading = ticks;
      thread.start(request());
      expect(() => thread.start(request({ turnId: 't2' }))).toThrow('Turn t2 refused: turn t1 is still running.');
      await until(() => loads.some((l) => l.part === 'model' && l.load.state === 'loaded'));
      // A blocked thread would run no timer between the two reports.
      expect(ticks - atLoading).toBeGreaterThan(3);
    } finally {
      clearInterval(timer);
    }
    await ended('t1');
  });

  it('ends a turn stopped while it waits for its model at once, and the next turn waits for the same open', async () => {
    const { thread, events, busy, loads, ended } = harness();
    thread.preload(bundleDir, false);
    await until(() => loads.length > 0);
    thread.start(request({ sampling: { doSample: false, maxNewTokens: 500 } }));
    expect(thread.interrupt('t1')).toBe(true);
    expect([events, busy, thread.activeTurn]).toEqual([[{ type: 'done', turnId: 't1', text: '', interrupted: true, speechSamples: 0 }], [true, false], undefined]);
    thread.start(request({ turnId: 't2' }));
    await ended('t2');
    expect(events.filter((e) => e.turnId === 't1')).toHaveLength(1);
    expect(events.filter((e) => e.turnId === 't2').map((e) => e.type)).toEqual(expect.arrayContaining(['started', 'text-delta', 'done']));
    expect(events.at(-1)).toMatchObject({ type: 'done', turnId: 't2', interrupted: false });
    expect(loads.filter((l) => l.part === 'model').map((l) => l.load.state)).toEqual(['loading', 'loaded']);
    expect(busy).toEqual([true, false, true, false]);
  });

  it('stops a started turn within a step, through the worker', async () => {
    const { thread, events, ended } = harness();
    thread.start(request({ sampling: { doSample: false, maxNewTokens: 500 } }));
    await until(() => events.some((e) => e.type === 'text-delta'), 30_000);
    expect(thread.interrupt('t1')).toBe(true);
    await ended('t1');
    expect(events.at(-1)).toMatchObject({ type: 'done', turnId: 't1', interrupted: true });
    expect(events.filter((e) => e.type === 'text-delta').length).toBeLessThan(50);
  });

  it('refuses an empty turn and a preload of another model while a turn runs, in the engine thread', async () => {
    const { thread, ended } = harness();
    expect(() => thread.start(request({ text: ' ' }))).toThrow('Turn t1 is empty: no text, attachment or speech.');
    expect(thread.activeTurn).toBeUndefined();
    thread.start(request());
    expect(() => thread.preload('/elsewhere', false)).toThrow('Preloading /elsewhere refused: turn t1 is running on another model.');
    await ended('t1');
  });

  it('ends the running turn with an error and fails the part opening when the worker fails, and starts a new worker for the next turn', async () => {
    const entry = path.join(testTempDir('failing-worker'), 'worker.mjs');
    writeFileSync(
      entry,
      `import { parentPort } from 'node:worker_threads';
       parentPort.on('message', (m) => {
         parentPort.postMessage({ type: 'load', load: { bundleDir: m.request.bundleDir, part: 'model', load: { state: 'loading', since: Date.now() } } });
         setTimeout(() => { throw new Error('native runtime gave up'); }, 10);
       });`,
    );
    const { thread, events, busy, loads, ended } = harness(entry);
    thread.start(request());
    await ended('t1');
    const message = "The local model's thread failed: native runtime gave up";
    expect(events).toEqual([{ type: 'error', turnId: 't1', error: { code: 'INTERNAL', message, hint: 'Try again; the model opens anew.' } }]);
    expect(busy).toEqual([true, false]);
    expect(loads.map((l) => [l.part, l.load.state])).toEqual([['model', 'loading'], ['model', 'failed']]);
    expect(loads[1].load).toMatchObject({ error: { message } });
    thread.start(request({ turnId: 't2' }));
    await ended('t2');
    expect(events.at(-1)).toMatchObject({ type: 'error', turnId: 't2', error: { message } });
  });
});
