import { describe, expect, it } from 'vitest';
import { createOmnideskApi, type BridgeTransport } from './api';
import { eventChannels, invokeChannels, type EventChannel, type InvokeChannel } from '../main/ipc/contract';

function transport(answer: (channel: InvokeChannel, payload: unknown) => unknown) {
  const invoked: Array<[InvokeChannel, unknown]> = [];
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
  const t: BridgeTransport = {
    invoke: async (channel, payload) => {
      invoked.push([channel, payload]);
      return answer(channel, payload) as never;
    },
    subscribe: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      return () => set.delete(listener);
    },
  };
  const emit = (channel: EventChannel, payload: unknown) => listeners.get(channel)?.forEach((l) => l(payload));
  return { t, invoked, emit };
}

describe('window.omnidesk API', () => {
  it('maps each named action to its contract channel, sending {} for actions without arguments', async () => {
    const { t, invoked } = transport((channel) => ({ ok: true, value: channel }));
    const api = createOmnideskApi(t);
    await api.system.info();
    await api.models.list();
    await api.chat.interrupt({ turnId: 't1' });
    await api.settings.set({ theme: 'dark' });
    expect(invoked).toEqual([
      ['system.info', {}],
      ['models.list', {}],
      ['chat.interrupt', { turnId: 't1' }],
      ['settings.set', { theme: 'dark' }],
    ]);
  });

  it('rejects with the error data when main refuses the request', async () => {
    const error = { code: 'MODEL_NOT_INSTALLED', message: 'No model', hint: 'Install one' };
    const api = createOmnideskApi(transport(() => ({ ok: false, error })).t);
    await expect(api.chat.interrupt({ turnId: 't1' })).rejects.toEqual(error);
  });

  it('exposes only named actions and subscriptions, never a generic invoke or send', () => {
    const api = createOmnideskApi(transport(() => ({ ok: true, value: null })).t);
    const paths = Object.entries(api).flatMap(([group, actions]) => Object.keys(actions).map((name) => `${group}.${name}`));
    expect(paths.sort()).toEqual([
      'chat.interrupt', 'chat.onTurnEvent', 'chat.send',
      'conversations.delete', 'conversations.export', 'conversations.get', 'conversations.list', 'conversations.media',
      'conversations.onChanged', 'conversations.rename', 'conversations.saveAudio', 'conversations.search', 'conversations.setBackend',
      'engine.onState', 'engine.openStream', 'engine.status',
      'models.cancel', 'models.catalog', 'models.disk', 'models.jobs', 'models.list', 'models.onProgress', 'models.pause',
      'models.pull', 'models.remove', 'models.resume',
      'pushToTalk.onHotkey', 'pushToTalk.onStatus', 'pushToTalk.status',
      'remote.check', 'remote.list', 'remote.remove', 'remote.save',
      'screen.choose', 'screen.sources',
      'settings.get', 'settings.onChanged', 'settings.set',
      'system.info',
    ]);
  });

  it('names every contract channel by an action of the same path, and every event by a subscription', () => {
    const api = createOmnideskApi(transport(() => ({ ok: true, value: null })).t) as unknown as Record<string, Record<string, unknown>>;
    for (const channel of Object.keys(invokeChannels)) {
      const [group, name] = channel.split('.');
      expect(typeof api[group]?.[name], channel).toBe('function');
    }
    expect(Object.keys(eventChannels).sort()).toEqual([
      'conversations.changed', 'engine.state', 'models.progress', 'pushToTalk.hotkey', 'pushToTalk.status', 'settings.changed', 'turn.event',
    ]);
  });

  it('subscriptions return an unsubscribe function', () => {
    const { t, emit } = transport(() => ({ ok: true, value: null }));
    const api = createOmnideskApi(t);
    const seen: unknown[] = [];
    const unsubscribe = api.engine.onState((state) => seen.push(state));
    emit('engine.state', { state: 'ready', restarts: 0 });
    unsubscribe();
    emit('engine.state', { state: 'crashed', restarts: 0 });
    expect(seen).toEqual([{ state: 'ready', restarts: 0 }]);
    expect(() => api.chat.onTurnEvent('nope' as never)).toThrow('turn.event: listener must be a function');
  });
});
