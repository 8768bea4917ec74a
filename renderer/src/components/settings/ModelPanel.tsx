import { Panel } from '../Panel';
import { Switch } from '../controls';
import { useSettings } from './useSettings';

export function ModelPanel() {
  const { settings, update } = useSettings();
  if (!settings) return null;
  return (
    <Panel id="model-title" title="Model">
      <Switch
        label="Load the model when Omnidesk starts"
        description="Opening Qwen3-Omni takes minutes; loaded ahead, it answers the first question sooner. A loaded model holds tens of GB of memory until Omnidesk quits. Also applies when a new model is installed."
        checked={settings.model.loadAtStart}
        onChange={(on) => update({ model: { loadAtStart: on } })}
      />
    </Panel>
  );
}
