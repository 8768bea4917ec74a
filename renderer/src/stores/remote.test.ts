import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS, type ConversationSummary, type RemoteServerView } from '../../../main/ipc/contract';
import { fakeApi } from '../testing/fakeApi';
import { conversationBackend, createRemoteStore, settleChoices } from './remote';

const gpuBox: RemoteServerView = { id: 'server-1', name: 'gpu-box', baseUrl: 'http://gpu-box:8091/v1', model: 'Qwen3-Omni', hasApiKey: true };
const summary = (id: string, backend: string): ConversationSummary => ({ id, title: 'Hi', createdAt: 1, updatedAt: 2, messageCount: 2, backend });

async function setup() {
  const fake = fakeApi();
  fake.mocks.remote.list.mockResolvedValue({ servers: [gpuBox] });
  const store = createRemoteStore(fake.api);
  await vi.waitFor(() => expect(store.getState().servers.phase).toBe('ready'));
  return { ...fake, store };
}

describe('remote store', () => {
  it('loads the servers, and again whenever settings change (where they live)', async () => {
    const { store, mocks, emitSettings } = await setup();
    expect(store.getState().servers).toEqual({ phase: 'ready', value: [gpuBox] });
    mocks.remote.list.mockResolvedValueOnce({ servers: [] });
    emitSettings(DEFAULT_SETTINGS);
    await vi.waitFor(() => expect(store.getState().servers.value).toEqual([]));
  });

  it('answers a conversation by this window’s choice, else main’s, else the default for new ones', async () => {
    const { store, mocks } = await setup();
    const at = (id: string, saved?: ConversationSummary, fallback = 'local') => conversationBackend(store.getState(), id, saved, fallback);
    expect(at('new')).toEqual({ backend: 'local', remote: false });
    expect(at('new', undefined, 'server-1')).toEqual({ backend: 'server-1', remote: true, server: gpuBox });
    expect(at('c1', summary('c1', 'server-1'))).toEqual({ backend: 'server-1', remote: true, server: gpuBox });
    expect(at('c1', summary('c1', 'server-gone'))).toEqual({ backend: 'server-gone', remote: true });

    await store.getState().choose('c1', 'local');
    expect(mocks.conversations.setBackend).toHaveBeenCalledWith({ id: 'c1', backend: 'local' });
    expect(at('c1', summary('c1', 'server-1'))).toEqual({ backend: 'local', remote: false });
    settleChoices(store, [summary('c1', 'server-1')]);
    expect(store.getState().chosen).toEqual({ c1: 'local' });
    settleChoices(store, [summary('c1', 'local')]);
    expect(store.getState().chosen).toEqual({});
  });

  it('takes a refused switch back and says why', async () => {
    const { store, mocks } = await setup();
    const error = { code: 'INVALID_REQUEST', message: 'There is no remote server "server-1"' };
    mocks.conversations.setBackend.mockRejectedValueOnce(error);
    await store.getState().choose('c1', 'server-1');
    expect(store.getState()).toMatchObject({ chosen: {}, error });
  });

  it('hands the form main’s reasons: a refused save, a failed connection test', async () => {
    const { store, mocks } = await setup();
    mocks.remote.check.mockResolvedValueOnce({ models: ['Qwen3-Omni', 'tiny'] });
    expect(await store.getState().check({ baseUrl: 'http://gpu-box:8091/v1' })).toEqual(['Qwen3-Omni', 'tiny']);
    const unreachable = { code: 'REMOTE_UNREACHABLE', message: 'Could not reach gpu-box:8091: connection refused.' };
    mocks.remote.check.mockRejectedValueOnce(unreachable);
    await expect(store.getState().check({ baseUrl: 'http://gpu-box:8091/v1' })).rejects.toEqual(unreachable);
    mocks.remote.save.mockRejectedValueOnce(new Error('socket closed'));
    await expect(store.getState().save({ name: 'x', baseUrl: 'http://x/v1', model: 'm' })).rejects.toEqual({ code: 'INTERNAL', message: 'socket closed' });
  });
});
