/**
 * The global push-to-talk hotkey as the window hears it: main reports the combination going down and up while
 * Omnidesk is in the background (a hold with the key hook, a toggle without it), and push-to-talk starts and
 * sends exactly as for the key in the window. While the window has focus its own key handling talks, so a
 * hotkey press then starts nothing (no double start); the release of a hold begun in the background always sends.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { HotkeyStatus } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import type { VoiceState } from './voice';

export function followGlobalHotkey(api: Pick<OmnideskApi, 'pushToTalk'>, voice: StoreApi<Pick<VoiceState, 'press' | 'release'>>, focused: () => boolean): () => void {
  let held = false;
  return api.pushToTalk.onHotkey(({ state }) => {
    if (state === 'down') {
      if (held || focused()) return;
      held = true;
      voice.getState().press();
    } else if (held) {
      held = false;
      voice.getState().release();
    }
  });
}

export interface HotkeyStatusState {
  /** Undefined until main has answered. */
  status?: HotkeyStatus;
}

/** How main listens for the hotkey now, for the settings screen. */
export function createHotkeyStatusStore(api: Pick<OmnideskApi, 'pushToTalk'>) {
  const store = createStore<HotkeyStatusState>()(() => ({}));
  api.pushToTalk.onStatus((status) => store.setState({ status }));
  void api.pushToTalk.status().then(
    (status) => store.getState().status ?? store.setState({ status }),
    () => undefined,
  );
  return store;
}
