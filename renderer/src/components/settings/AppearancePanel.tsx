import type { Theme } from '../../../../main/ipc/contract';
import { Panel } from '../Panel';
import { Segmented } from '../controls';
import { useSettings } from './useSettings';

const THEMES: Array<{ value: Theme; label: string }> = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
];

export function AppearancePanel() {
  const { settings, update } = useSettings();
  if (!settings) return null;
  return (
    <Panel id="appearance-title" title="Appearance">
      <Segmented label="Theme" value={settings.theme} options={THEMES} onChange={(theme) => update({ theme })} />
    </Panel>
  );
}
