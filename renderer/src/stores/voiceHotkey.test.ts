import { describe, expect, it, vi } from 'vitest';
import type { HotkeyPress, HotkeyStatus } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { createStore } from 'zustand/vanilla';
import type { VoiceState } from './voice';
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
  // Push-to-talk as the hotkey sees it: press listens, release sends; `stopsItself` is an utterance sent at its maximum length.
  const voice = createStore<Pick<VoiceState, 'phase' | 'press' | 'release'>>()((set) => ({
    phase: 'idle',
    press: () => {
      calls.push('press');
      set({ phase: 'listening' });
    },
    release: () => {
      calls.push('release');
      set({ phase: 'idle' });
    },
  }));
  let focused = false;
  const stop = followGlobalHotkey(api, voice, () => focused);
  return {
    api,
    calls,
    stop,
    focus: (on: boolean) => (focused = on),
    stopsItself: () => voice.setState({ phase: 'idle' }),
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

  it('starts with one toggle press and sends with the next, as main reports a shortcut that cannot be held', () => {
    const { calls, hotkey } = setup();
    hotkey('toggle');
    hotkey('toggle');
    hotkey('toggle');
    expect(calls).toEqual(['press', 'release', 'press']);
  });

  it('starts anew on the toggle press after an utterance stopped itself at its maximum length', () => {
    const { calls, hotkey, stopsItself } = setup();
    hotkey('toggle');
    stopsItself();
    hotkey('toggle');
    hotkey('toggle');
    expect(calls).toEqual(['press', 'press', 'release']);
  });

  it('sends a toggled utterance from the focused window too, and ends it when main lets go of the shortcut', () => {
    const { calls, hotkey, focus } = setup();
    hotkey('toggle');
    focus(true);
    hotkey('toggle');
    hotkey('toggle');
    focus(false);
    hotkey('toggle');
    hotkey('up');
    hotkey('up');
    expect(calls).toEqual(['press', 'release', 'press', 'release']);
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
