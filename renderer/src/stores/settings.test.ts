import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../../../main/ipc/contract';
import { fakeApi } from '../testing/fakeApi';
import { createSettingsStore } from './settings';

beforeEach(() => vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] }));
afterEach(() => vi.useRealTimers());

async function setup() {
  const fake = fakeApi();
  const store = createSettingsStore(fake.api, 400);
  await vi.waitFor(() => expect(store.getState().data.phase).toBe('ready'));
  const settings = () => store.getState().data.value?.settings;
  return { ...fake, store, settings };
}

describe('settings store', () => {
  it('loads the settings with the installed voices', async () => {
    const { store, mocks } = await setup();
    expect(mocks.settings.get).toHaveBeenCalledOnce();
    expect(store.getState().data).toEqual({ phase: 'ready', value: { settings: DEFAULT_SETTINGS, speakers: [] } });
  });

  it('reloads the installed voices on request, keeping an edit not yet written', async () => {
    const { store, mocks, settings } = await setup();
    store.getState().update({ theme: 'dark' });
    mocks.settings.get.mockResolvedValueOnce({ settings: DEFAULT_SETTINGS, speakers: ['Aiden', 'Ethan'] });
    await store.getState().reload();
    expect(store.getState().data.value?.speakers).toEqual(['Aiden', 'Ethan']);
    expect(settings()?.theme).toBe('dark');
  });

  it('shows a change at once and writes quick changes together after a quiet moment', async () => {
    const { store, mocks, settings } = await setup();
    store.getState().update({ sampling: { temperature: 0.3 } });
    store.getState().update({ sampling: { topK: 5 } });
    store.getState().update({ theme: 'dark' });
    expect(settings()?.sampling).toMatchObject({ temperature: 0.3, topK: 5 });
    expect(mocks.settings.set).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(400);
    expect(mocks.settings.set.mock.calls).toEqual([[{ sampling: { temperature: 0.3, topK: 5 }, theme: 'dark' }]]);
  });

  it('keeps an edit not yet written on top of a change that arrives from main', async () => {
    const { store, emitSettings, settings } = await setup();
    store.getState().update({ systemPrompt: 'Be brief.' });
    emitSettings({ ...DEFAULT_SETTINGS, theme: 'light', systemPrompt: 'old' });
    expect(settings()).toMatchObject({ theme: 'light', systemPrompt: 'Be brief.' });
  });

  it('after a refused write, shows why and main’s settings again', async () => {
    const { store, mocks, settings } = await setup();
    mocks.settings.set.mockRejectedValueOnce({ code: 'INVALID_REQUEST', message: 'settings.set: sampling.topK: Too big' });
    store.getState().update({ sampling: { topK: 5000 } });
    await store.getState().flush();
    await vi.advanceTimersByTimeAsync(0);
    expect(store.getState().saveError).toEqual({ code: 'INVALID_REQUEST', message: 'settings.set: sampling.topK: Too big' });
    expect(settings()?.sampling.topK).toBe(20);
  });

  it('drops the unreadable-file notice once dismissed or once a setting is written', async () => {
    const fake = fakeApi();
    const notice = { message: 'Omnidesk could not read all of settings.json.', keptAs: '/h/settings.unreadable-1.json' };
    fake.mocks.settings.get.mockResolvedValueOnce({ settings: DEFAULT_SETTINGS, speakers: ['Ethan'], notice } as never);
    const store = createSettingsStore(fake.api, 400);
    await vi.waitFor(() => expect(store.getState().data.value?.notice).toEqual(notice));
    store.getState().update({ theme: 'dark' });
    await store.getState().flush();
    expect(store.getState().data.value?.notice).toBeUndefined();
  });
});
