import { describe, expect, it } from 'vitest';
import { applyTurnEvent, createConversationStore, type Message } from './conversation';
import { fakeApi, settle } from '../testing/fakeApi';

function setup() {
  const fake = fakeApi();
  let n = 0;
  const store = createConversationStore(fake.api, () => `id${++n}`);
  return { ...fake, store, state: () => store.getState() };
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
      { role: 'user', id: 'id2-user', text: 'Hello' },
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

  it('waits for the engine’s done event after an interrupt it accepted', async () => {
    const { emitTurn, state } = setup();
    await state().send('Hi');
    await state().interrupt();
    expect(state().activeTurnId).toBe('id2');
    emitTurn({ type: 'done', turnId: 'id2', text: 'Hel', interrupted: true, speechSamples: 0 });
    await settle();
    expect(state().messages[1]).toMatchObject({ text: 'Hel', status: 'interrupted' });
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
