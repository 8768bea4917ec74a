import { describe, expect, it, vi } from 'vitest';
import type { HotkeyPress, HotkeyStatus } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { createStore } from 'zustand/vanilla';
import { createHotkeyStatusStore, followGlobalHotkey } from './voiceHotkey';

function setup({ status = { mode: 'hold' } as HotkeyStatus } = {}) {
  const hotkey = new Set<(press: HotkeyPress) => void>();
  const statuses = new Set<(status: HotkeyStatus) => void>();
  const api = {
    pushToTalk: {
      status: vi.fn(async () => status),
      onHotkey: (listener: (press: HotkeyPress) => void) => (hotkey.add(listener), () => void hotkey.delete(listener)),
      onStatus: (listener: (status: HotkeyStatus) => void) => (statuses.add(listener), () => void statuses.delete(listener)),
    },
  } as unknown as Pick<OmnideskApi, 'pushToTalk'>;
  const calls: string[] = [];
  const voice = createStore(() => ({ press: () => void calls.push('press'), release: () => void calls.push('release') }));
  let focused = false;
  const stop = followGlobalHotkey(api, voice, () => focused);
  return {
    api,
    calls,
    stop,
    focus: (on: boolean) => (focused = on),
    hotkey: (state: HotkeyPress['state']) => hotkey.forEach((listener) => listener({ state })),
    statusChanged: (value: HotkeyStatus) => statuses.forEach((listener) => listener(value)),
  };
}

describe('the global push-to-talk hotkey in the window', () => {
  it('presses and releases push-to-talk as the in-window key does, while the window is in the background', () => {
    const { calls, hotkey } = setup();
    hotkey('down');
    hotkey('up');
    expect(calls).toEqual(['press', 'release']);
  });

  it('starts nothing while the window has focus, where its own key talks', () => {
    const { calls, hotkey, focus } = setup();
    focus(true);
    hotkey('down');
    hotkey('up');
    expect(calls).toEqual([]);
  });

  it('sends a hold begun in the background even if the window got focus meanwhile, and one press starts one turn', () => {
    const { calls, hotkey, focus } = setup();
    hotkey('down');
    hotkey('down');
    focus(true);
    hotkey('up');
    hotkey('up');
    expect(calls).toEqual(['press', 'release']);
  });

  it('stops listening when told to', () => {
    const { calls, hotkey, stop } = setup();
    stop();
    hotkey('down');
    expect(calls).toEqual([]);
  });

  it('knows how main listens, and follows its changes', async () => {
    const { api, statusChanged } = setup({ status: { mode: 'toggle', detail: 'Wayland does not let applications read keys typed into other windows.' } });
    const store = createHotkeyStatusStore(api);
    await vi.waitFor(() => expect(store.getState().status).toEqual({ mode: 'toggle', detail: 'Wayland does not let applications read keys typed into other windows.' }));
    statusChanged({ mode: 'off' });
    expect(store.getState().status).toEqual({ mode: 'off' });
  });
});
