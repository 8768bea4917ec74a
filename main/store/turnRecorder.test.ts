import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConversationStore } from './conversations';
import { TurnRecorder } from './turnRecorder';

let home: string;
let store: ConversationStore;
let recorder: TurnRecorder;
const nextTick = () => new Promise((resolve) => setImmediate(resolve));
const reply = () => store.get('c1').messages[1];

beforeEach(async () => {
  home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-recorder-'));
  store = ConversationStore.open(home);
  recorder = new TurnRecorder(store);
  await recorder.begin({ conversationId: 'c1', turnId: 't1', text: 'Hi', attachments: [], micAudio: false, speak: true });
});
afterEach(() => {
  store.close();
  rmSync(home, { recursive: true, force: true });
});

describe('turn recorder', () => {
  it('commits the deltas of one event-loop turn in one write, on the next check phase', async () => {
    const append = vi.spyOn(store, 'appendText');
    recorder.onTurnEvent({ type: 'started', turnId: 't1' });
    recorder.onTurnEvent({ type: 'text-delta', turnId: 't1', text: 'Hel' });
    recorder.onTurnEvent({ type: 'text-delta', turnId: 't1', text: 'lo' });
    expect(reply().text).toBe('');
    await nextTick();
    expect(append.mock.calls).toEqual([['t1', 'Hello']]);
    expect(reply()).toMatchObject({ text: 'Hello', status: 'streaming' });
  });

  it('commits pending deltas before the final text, then stores the reply as interrupted with what was heard', async () => {
    recorder.onTurnEvent({ type: 'text-delta', turnId: 't1', text: 'Once upon' });
    recorder.heard('t1', 12_000);
    recorder.onTurnEvent({ type: 'done', turnId: 't1', text: 'Once', interrupted: true, speechSamples: 48_000 });
    expect(reply()).toMatchObject({ text: 'Once', status: 'interrupted', heardSamples: 12_000 });
    await nextTick();
    expect(reply().text).toBe('Once');
  });

  it('keeps the streamed text of a turn the engine ended with an error', () => {
    recorder.onTurnEvent({ type: 'text-delta', turnId: 't1', text: 'Par' });
    recorder.onTurnEvent({ type: 'error', turnId: 't1', error: { code: 'ENGINE_CRASHED', message: 'The engine process was killed by SIGSEGV.' } });
    expect(reply()).toMatchObject({ text: 'Par', status: 'error', error: { code: 'ENGINE_CRASHED' } });
  });

  it('records why the engine refused a turn', () => {
    recorder.refused('t1', { code: 'MODEL_NOT_INSTALLED', message: 'No Qwen3-Omni model bundle is loaded in the engine.' });
    expect(reply()).toMatchObject({ status: 'error', error: { code: 'MODEL_NOT_INSTALLED' } });
  });

  it('flush() commits at once (app quit), and events of unknown turns are ignored', () => {
    recorder.onTurnEvent({ type: 'text-delta', turnId: 't1', text: 'Bye' });
    recorder.onTurnEvent({ type: 'text-delta', turnId: 'other', text: 'x' });
    recorder.flush();
    expect(reply().text).toBe('Bye');
  });
});
