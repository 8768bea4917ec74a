import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ConversationDetail, StoredMessage } from '../../../main/ipc/contract';
import { fakeApi } from '../testing/fakeApi';
import { createConversationStore } from './conversation';
import { createConversationsStore, toMessage } from './conversations';

const summary = (id: string, title: string) => ({ id, title, createdAt: 1, updatedAt: 2, messageCount: 2, backend: 'local' });
const user: StoredMessage = { id: 't1-user', turnId: 't1', role: 'user', text: 'Hi', status: 'complete', createdAt: 1, attachments: [] };
const reply: StoredMessage = { id: 't1-assistant', turnId: 't1', role: 'assistant', text: 'Hello', status: 'complete', createdAt: 1, attachments: [] };

async function setup(prepare: (fake: ReturnType<typeof fakeApi>) => void = () => undefined) {
  const fake = fakeApi();
  prepare(fake);
  let n = 0;
  const conversation = createConversationStore(fake.api, () => `new${++n}`);
  const store = createConversationsStore(fake.api, conversation, { newId: () => `fresh${++n}`, searchDelayMs: 100 });
  await flush();
  return { ...fake, conversation, store, state: () => store.getState() };
}

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
afterEach(() => vi.useRealTimers());
const flush = () => vi.advanceTimersByTimeAsync(0);

describe('conversations store', () => {
  it('loads the list, and reloads it when main says a conversation changed', async () => {
    const { mocks, state, emitConversationChange } = await setup(({ mocks }) =>
      mocks.conversations.list.mockResolvedValueOnce({ conversations: [summary('a', 'Trip')] } as never),
    );
    expect(state().list).toEqual({ phase: 'ready', value: [summary('a', 'Trip')] });
    mocks.conversations.list.mockResolvedValueOnce({ conversations: [summary('b', 'New'), summary('a', 'Trip')] } as never);
    emitConversationChange({ id: 'b', change: 'created' });
    await flush();
    expect(state().list.value?.map((c) => c.id)).toEqual(['b', 'a']);
  });

  it('searches after a pause in typing, only for the last query, and clears results with the query', async () => {
    const { mocks, state } = await setup();
    state().search('li');
    state().search('lis');
    await vi.advanceTimersByTimeAsync(99);
    expect(mocks.conversations.search).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(mocks.conversations.search.mock.calls).toEqual([[{ query: 'lis' }]]);
    expect(state().hits?.phase).toBe('ready');
    state().search('  ');
    expect(state().hits).toBeUndefined();
  });

  it('opens a conversation into the conversation view, a reply still streaming keeping the composer busy', async () => {
    const { mocks, state, conversation } = await setup();
    const detail: ConversationDetail = {
      ...summary('a', 'Trip'),
      messages: [user, { ...reply, status: 'streaming', text: 'Hel' }],
    };
    mocks.conversations.get.mockResolvedValueOnce(detail as never);
    await state().open('a');
    expect(conversation.getState()).toMatchObject({
      conversationId: 'a',
      activeTurnId: 't1',
      messages: [
        { role: 'user', id: 't1-user', text: 'Hi' },
        { role: 'assistant', id: 't1-assistant', turnId: 't1', text: 'Hel', status: 'streaming' },
      ],
    });
  });

  it('reads attachments back after the text, as the composer sent them', async () => {
    const { mocks, state, conversation } = await setup();
    const withImage: StoredMessage = { ...user, attachments: [{ kind: 'image', name: 'a.png', mime: 'image/png', files: ['a/t1/0-image.png'], bytes: 2 }] };
    mocks.conversations.get.mockResolvedValueOnce({ ...summary('a', 'Pic'), messages: [withImage, reply] } as never);
    mocks.conversations.media.mockResolvedValueOnce({ mime: 'image/png', data: new Uint8Array([7, 8]) } as never);
    await state().open('a');
    expect(mocks.conversations.media).toHaveBeenCalledWith({ file: 'a/t1/0-image.png' });
    expect(conversation.getState().messages[0]).toEqual({
      role: 'user',
      id: 't1-user',
      turnId: 't1',
      text: 'Hi',
      attachments: [{ kind: 'image', name: 'a.png', mime: 'image/png', data: new Uint8Array([7, 8]) }],
    });
  });

  it('starts a new conversation with a fresh id, and deleting the open one does too', async () => {
    const { mocks, state, conversation } = await setup();
    mocks.conversations.get.mockResolvedValueOnce({ ...summary('a', 'Trip'), messages: [user, reply] } as never);
    await state().open('a');
    await expect(state().remove('a')).resolves.toBe(true);
    expect(mocks.conversations.delete).toHaveBeenCalledWith({ id: 'a' });
    expect(conversation.getState()).toMatchObject({ conversationId: expect.stringMatching(/^fresh/), messages: [] });
  });

  it('keeps the failure of an action to show, and treats a cancelled export as nothing', async () => {
    const { mocks, state } = await setup();
    mocks.conversations.rename.mockRejectedValueOnce({ code: 'INVALID_REQUEST', message: 'There is no conversation zz' });
    await expect(state().rename('zz', 'x')).resolves.toBe(false);
    expect(state().error).toEqual({ code: 'INVALID_REQUEST', message: 'There is no conversation zz' });
    mocks.conversations.export.mockRejectedValueOnce({ code: 'CANCELLED', message: 'Export cancelled: no folder was chosen.' });
    await expect(state().exportTo('a', ['json'])).resolves.toBeUndefined();
    expect(state().error).toBeUndefined();
    mocks.conversations.export.mockResolvedValueOnce({ folder: '/x/trip', files: ['conversation.json'] } as never);
    await state().exportTo('a', ['json']);
    expect(state().exported).toEqual({ folder: '/x/trip', files: ['conversation.json'] });
  });
});

describe('toMessage', () => {
  it('maps stored statuses to what the view shows', () => {
    expect(toMessage({ ...reply, status: 'error', error: { code: 'ENGINE_CRASHED', message: 'x' } })).toMatchObject({ status: 'failed', error: { code: 'ENGINE_CRASHED' } });
    expect(toMessage(user)).toEqual({ role: 'user', id: 't1-user', turnId: 't1', text: 'Hi' });
  });

  it('keeps where the spoken reply and the recorded question were saved, so both replay after a reload', () => {
    expect(toMessage({ ...reply, status: 'interrupted', audio: { file: 'a/t1/speech.wav', sampleRate: 24000, samples: 100 }, heardSamples: 40 })).toEqual({
      role: 'assistant', id: 't1-assistant', turnId: 't1', text: 'Hello', status: 'interrupted', speak: true, heardSamples: 40,
      speech: { file: 'a/t1/speech.wav', samples: 100 },
    });
    expect(toMessage({ ...user, audio: { file: 'a/t1/microphone.wav', sampleRate: 16000, samples: 8000 } })).toEqual({
      role: 'user', id: 't1-user', turnId: 't1', text: 'Hi', voiceSamples: 8000, speech: { file: 'a/t1/microphone.wav', samples: 8000 },
    });
  });
});
