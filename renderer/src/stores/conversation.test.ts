import { describe, expect, it } from 'vitest';
import { activeTurnLoading, applyTurnEvent, createConversationStore, type Message } from './conversation';
import { fakeApi, settle } from '../testing/fakeApi';

function setup() {
  const fake = fakeApi();
  let n = 0;
  const clock = { now: 1_000 };
  const store = createConversationStore(fake.api, () => `id${++n}`, () => clock.now);
  return { ...fake, store, clock, state: () => store.getState() };
}

const NO_MODEL = {
  code: 'MODEL_NOT_INSTALLED' as const,
  message: 'No Qwen3-Omni model bundle is loaded in the engine.',
  hint: 'Install a model from the Model manager, or build one with "omnidesk build".',
};

describe('conversation', () => {
  it('sends the trimmed text as a text-only turn of this conversation', async () => {
    const { store, mocks } = setup();
    await store.getState().send('  Hello  ');
    expect(mocks.chat.send).toHaveBeenCalledWith({
      conversationId: 'id1',
      turnId: 'id2',
      text: 'Hello',
      attachments: [],
      micAudio: false,
      speak: false,
    });
    expect(store.getState().messages).toEqual([
      { role: 'user', id: 'id2-user', turnId: 'id2', text: 'Hello' },
      { role: 'assistant', id: 'id2-assistant', turnId: 'id2', text: '', status: 'waiting' },
    ]);
    expect(store.getState().activeTurnId).toBe('id2');
  });

  it('ends a refused turn with the engine’s message and hint, and frees the composer', async () => {
    const { store, mocks, state } = setup();
    mocks.chat.send.mockRejectedValueOnce(NO_MODEL);
    await state().send('Hello');
    expect(state().messages[1]).toMatchObject({ status: 'failed', error: NO_MODEL });
    expect(state().activeTurnId).toBeUndefined();
    expect(store.getState().messages).toHaveLength(2);
  });

  it('shows a failure that is not engine error data with its message rather than nothing', async () => {
    const { mocks, state } = setup();
    mocks.chat.send.mockRejectedValueOnce(new TypeError('socket gone'));
    await state().send('Hello');
    expect(state().messages[1]).toMatchObject({ status: 'failed', error: { code: 'INTERNAL', message: 'socket gone' } });
  });

  it('streams the answer from turn events and closes the turn when it is done', async () => {
    const { emitTurn, state } = setup();
    await state().send('Hi');
    emitTurn({ type: 'started', turnId: 'id2' });
    emitTurn({ type: 'text-delta', turnId: 'id2', text: 'Hel' });
    expect(state().messages[1]).toMatchObject({ text: 'Hel', status: 'streaming' });
    emitTurn({ type: 'text-delta', turnId: 'id2', text: 'lo' });
    emitTurn({ type: 'done', turnId: 'id2', text: 'Hello!', interrupted: false, speechSamples: 0 });
    expect(state().messages[1]).toMatchObject({ text: 'Hello!', status: 'done' });
    expect(state().activeTurnId).toBeUndefined();
  });

  it('fails the turn on an engine error event, such as a crash mid-answer', async () => {
    const { emitTurn, state } = setup();
    await state().send('Hi');
    const crash = { code: 'ENGINE_CRASHED' as const, message: 'The engine process was killed by SIGSEGV.' };
    emitTurn({ type: 'error', turnId: 'id2', error: crash });
    expect(state().messages[1]).toMatchObject({ status: 'failed', error: crash });
    expect(state().activeTurnId).toBeUndefined();
  });

  it('ignores blank text and a second message while a turn is open', async () => {
    const { mocks, state } = setup();
    await state().send('   ');
    await state().send('first');
    await state().send('second');
    expect(mocks.chat.send).toHaveBeenCalledTimes(1);
    expect(state().messages.filter((m) => m.role === 'user').map((m) => m.text)).toEqual(['first']);
  });

  it('interrupts the open turn; when the engine had nothing running, the turn closes as stopped', async () => {
    const { mocks, state } = setup();
    await state().send('Hi');
    mocks.chat.interrupt.mockResolvedValueOnce({ interrupted: false });
    await state().interrupt();
    expect(mocks.chat.interrupt).toHaveBeenCalledWith({ turnId: 'id2' });
    expect(state().messages[1]).toMatchObject({ status: 'interrupted' });
    expect(state().activeTurnId).toBeUndefined();
  });

  it('frees the conversation for the next question at Stop, and the engine’s done event then ends the stopped reply', async () => {
    const { emitTurn, state, mocks } = setup();
    await state().send('Hi');
    await state().interrupt();
    expect(state().activeTurnId).toBeUndefined();
    expect(state().messages[1]).toMatchObject({ status: 'waiting', stopping: true });
    await state().send('And now?');
    expect(mocks.chat.send).toHaveBeenCalledTimes(2);
    expect(state().activeTurnId).toBe('id3');
    emitTurn({ type: 'done', turnId: 'id2', text: 'Hel', interrupted: true, speechSamples: 0 });
    await settle();
    expect(state().messages[1]).toEqual({ role: 'assistant', id: 'id2-assistant', turnId: 'id2', text: 'Hel', status: 'interrupted' });
    expect(state().activeTurnId).toBe('id3');
  });
});

describe('conversation: voice, attachments and spoken replies', () => {
  const photo = { kind: 'image' as const, name: 'Camera frame.jpg', mime: 'image/jpeg' as const, data: new Uint8Array([0xff, 0xd8]) };

  it('sends a push-to-talk turn under the id its audio streamed with, with attachments, asking for speech', async () => {
    const { mocks, state } = setup();
    await state().send({ text: '', attachments: [photo], voice: { turnId: 'ptt-1', samples: 24_000 }, speak: true });
    expect(mocks.chat.send).toHaveBeenCalledWith({
      conversationId: 'id1',
      turnId: 'ptt-1',
      text: '',
      attachments: [photo],
      micAudio: true,
      speak: true,
    });
    expect(state().messages).toEqual([
      { role: 'user', id: 'ptt-1-user', turnId: 'ptt-1', text: '', attachments: [photo], voiceSamples: 24_000 },
      { role: 'assistant', id: 'ptt-1-assistant', turnId: 'ptt-1', text: '', status: 'waiting', speak: true },
    ]);
  });

  it('sends an image without text, but not an empty turn', async () => {
    const { mocks, state } = setup();
    await state().send({ text: ' ' });
    await state().send({ text: '', attachments: [photo] });
    expect(mocks.chat.send).toHaveBeenCalledTimes(1);
  });

  it('tells the engine how much of a spoken reply was heard when it is stopped', async () => {
    const { mocks, state } = setup();
    await state().send({ text: 'Tell me a story', speak: true });
    await state().interrupt('id2', 30_240);
    expect(mocks.chat.interrupt).toHaveBeenCalledWith({ turnId: 'id2', heardSamples: 30_240 });
    expect(state().messages[1]).toMatchObject({ heardSamples: 30_240 });
  });

  it('counts a spoken reply stopped before its first sample as heard for 0 samples', async () => {
    const { mocks, state } = setup();
    await state().send({ text: 'Hi', speak: true });
    await state().interrupt();
    expect(mocks.chat.interrupt).toHaveBeenCalledWith({ turnId: 'id2', heardSamples: 0 });
  });

  it('stops the speech of an answer whose text is done without reopening or failing it', async () => {
    const { mocks, emitTurn, state } = setup();
    await state().send({ text: 'Hi', speak: true });
    emitTurn({ type: 'done', turnId: 'id2', text: 'Hello there!', interrupted: false, speechSamples: 48_000 });
    mocks.chat.interrupt.mockRejectedValueOnce({ code: 'ENGINE_UNAVAILABLE', message: 'down' });
    await state().interrupt('id2', 12_000);
    expect(state().messages[1]).toMatchObject({ text: 'Hello there!', status: 'done', heardSamples: 12_000 });
    expect(state().messages[1]).not.toHaveProperty('error');
  });
});

describe('conversation while the engine opens the model', () => {
  it('shows the wait from the first loading event, across the model and its voice, until the reply starts', async () => {
    const { emitTurn, state, clock } = setup();
    await state().send({ text: 'Hi', speak: true });
    expect(activeTurnLoading(state())).toBeUndefined();
    clock.now = 5_000;
    emitTurn({ type: 'loading', turnId: 'id2', part: 'model' });
    expect(state().messages[1]).toMatchObject({ status: 'waiting', loading: { part: 'model', since: 5_000 } });
    clock.now = 185_000;
    emitTurn({ type: 'loading', turnId: 'id2', part: 'speech' });
    expect(activeTurnLoading(state())).toEqual({ part: 'speech', since: 5_000 });
    emitTurn({ type: 'started', turnId: 'id2' });
    expect(state().messages[1]).not.toHaveProperty('loading');
    expect(activeTurnLoading(state())).toBeUndefined();
    emitTurn({ type: 'text-delta', turnId: 'id2', text: 'Hello' });
    expect(state().messages[1]).toMatchObject({ text: 'Hello', status: 'streaming' });
  });

  it('fails the turn on an error event after chat.send was accepted, as for a run error, and frees the composer', async () => {
    const { emitTurn, state } = setup();
    await state().send('Hi');
    emitTurn({ type: 'loading', turnId: 'id2', part: 'model' });
    const damaged = { code: 'BUNDLE_CORRUPT' as const, message: 'The model in /models/int4 could not be opened: thinker.onnx is damaged' };
    emitTurn({ type: 'error', turnId: 'id2', error: damaged });
    expect(state().messages[1]).toEqual({ role: 'assistant', id: 'id2-assistant', turnId: 'id2', text: '', status: 'failed', error: damaged });
    expect(state().activeTurnId).toBeUndefined();
    await state().send('Again');
    expect(state().activeTurnId).toBe('id3');
  });

  it('keeps a turn stopped while the model opens open, as stopping, until the engine ends it as interrupted', async () => {
    const { mocks, emitTurn, state } = setup();
    await state().send('Hi');
    emitTurn({ type: 'loading', turnId: 'id2', part: 'model' });
    mocks.chat.interrupt.mockResolvedValueOnce({ interrupted: true });
    await state().interrupt();
    expect(state().messages[1]).toMatchObject({ status: 'waiting', loading: { part: 'model' }, stopping: true });
    expect(state().activeTurnId).toBeUndefined();
    emitTurn({ type: 'done', turnId: 'id2', text: '', interrupted: true, speechSamples: 0 });
    expect(state().messages[1]).toEqual({ role: 'assistant', id: 'id2-assistant', turnId: 'id2', text: '', status: 'interrupted' });
    expect(state().activeTurnId).toBeUndefined();
  });
});

describe('applyTurnEvent', () => {
  const done: Message = { role: 'assistant', id: 'a', turnId: 't', text: 'final', status: 'done' };

  it('leaves finished turns alone: a late delta cannot reopen an answer', () => {
    expect(applyTurnEvent([done], { type: 'text-delta', turnId: 't', text: ' more' })).toEqual([done]);
  });

  it('ignores events of turns this conversation does not know', () => {
    expect(applyTurnEvent([done], { type: 'done', turnId: 'other', text: 'x', interrupted: false, speechSamples: 0 })).toEqual([done]);
  });
});
