/**
 * The user's settings as the views edit them. A change shows at once; changes made in quick succession (a slider
 * being dragged, a prompt being typed) are combined and written after `delayMs` of quiet. Main answers with the
 * settings as stored, and `settings.changed` brings changes made elsewhere; edits not yet written stay on top.
 */
import { createStore } from 'zustand/vanilla';
import { mergeSettings, type ErrorInfo, type SettingsPatch, type SettingsView } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { asErrorInfo } from '../errors';
import type { Loadable } from './loadable';

export interface SettingsState {
  data: Loadable<SettingsView>;
  /** The last write failed; the settings shown are main's. */
  saveError?: ErrorInfo;
  /** Asks main again: the installed voices change as models come and go. */
  reload(): Promise<void>;
  update(patch: SettingsPatch): void;
  /** Writes pending changes now (leaving a field, closing a view). */
  flush(): Promise<void>;
  dismissNotice(): void;
}

export function createSettingsStore(api: Pick<OmnideskApi, 'settings'>, delayMs = 400) {
  let pending: SettingsPatch | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const store = createStore<SettingsState>()((set, get) => {
    const withView = (change: (view: SettingsView) => SettingsView) => {
      const { data } = get();
      if (data.value) set({ data: { ...data, value: change(data.value) } as Loadable<SettingsView> });
    };
    return {
      data: { phase: 'loading' },
      reload: () => load(),
      update: (patch) => {
        pending = mergeSettings(pending ?? {}, patch);
        withView((view) => ({ ...view, settings: mergeSettings(view.settings, patch) }));
        clearTimeout(timer);
        timer = setTimeout(() => void get().flush(), delayMs);
      },
      flush: async () => {
        clearTimeout(timer);
        const patch = pending;
        pending = undefined;
        if (!patch) return;
        try {
          const settings = await api.settings.set(patch);
          set({ saveError: undefined });
          withView((view) => ({ ...view, notice: undefined, settings: pending ? mergeSettings(settings, pending) : settings }));
        } catch (error) {
          set({ saveError: asErrorInfo(error) });
          await load();
        }
      },
      dismissNotice: () => withView(({ notice: _, ...view }) => view),
    };
  });

  const load = async () => {
    try {
      const view = await api.settings.get();
      store.setState({ data: { phase: 'ready', value: pending ? { ...view, settings: mergeSettings(view.settings, pending) } : view } });
    } catch (error) {
      store.setState((s) => ({ data: { phase: 'failed', error: asErrorInfo(error), value: s.data.value } }));
    }
  };
  api.settings.onChanged((settings) => {
    const { data } = store.getState();
    if (data.value) store.setState({ data: { ...data, value: { ...data.value, settings: pending ? mergeSettings(settings, pending) : settings } } as Loadable<SettingsView> });
  });
  void load();
  return store;
}
