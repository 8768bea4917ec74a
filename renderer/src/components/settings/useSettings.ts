import { useStore } from 'zustand';
import type { Settings, SettingsPatch } from '../../../../main/ipc/contract';
import { useStores } from '../../stores/context';

/** The settings being edited and the way to change them; undefined until main has answered. */
export function useSettings(): { settings?: Settings; speakers: string[]; update: (patch: SettingsPatch) => void } {
  const store = useStores().settings;
  const view = useStore(store, (s) => s.data.value);
  return { settings: view?.settings, speakers: view?.speakers ?? [], update: store.getState().update };
}
