/**
 * The global push-to-talk hotkey as the window hears it: main reports the combination going down and up while
 * Omnidesk is in the background (a hold, with the key hook), or each press of it (a toggle, without), and
 * push-to-talk starts and sends exactly as for the key in the window. While the window has focus its own key
 * handling talks, so a hotkey press then starts nothing (no double start); the release of a hold begun in the
 * background always sends, and so does the toggle press that ends an utterance a toggle started. Whether a toggle
 * starts or sends is decided here, by whether push-to-talk still listens: an utterance that stopped itself at its
 * maximum length leaves the next press to start a new one.
 */
import { createStore, type StoreApi } from 'zustand/vanilla';
import type { HotkeyStatus } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import type { VoiceState } from './voice';

export function followGlobalHotkey(api: Pick<OmnideskApi, 'pushToTalk'>, voice: StoreApi<Pick<VoiceState, 'phase' | 'press' | 'release'>>, focused: () => boolean): () => void {
  /** A hold or a toggle of the hotkey started the utterance now going. */
  let started = false;
  const talking = () => voice.getState().phase === 'opening' || voice.getState().phase === 'listening';
  const start = () => {
    started = true;
    voice.getState().press();
  };
  const send = () => {
    started = false;
    voice.getState().release();
  };
  return api.pushToTalk.onHotkey(({ state }) => {
    if (state === 'down') {
      if (!started && !focused()) start();
    } else if (state === 'up') {
      if (started) send();
    } else if (started && talking()) send();
    else if (!focused() && !talking()) start();
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
