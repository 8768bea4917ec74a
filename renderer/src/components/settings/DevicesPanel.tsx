import { useCallback, useEffect, useState } from 'react';
import { RefreshIcon } from '../icons';
import { Panel } from '../Panel';
import { SelectField } from '../controls';
import { useSettings } from './useSettings';

type Devices = { input: MediaDeviceInfo[]; output: MediaDeviceInfo[] };

const SYSTEM_DEFAULT = '';

/** Browsers hide device names until a microphone was allowed once: number them instead of showing blanks. */
const option = (device: MediaDeviceInfo, index: number, noun: string) => ({ value: device.deviceId, label: device.label || `${noun} ${index + 1}` });

export function DevicesPanel() {
  const { settings, update } = useSettings();
  const [devices, setDevices] = useState<Devices>();
  const [problem, setProblem] = useState<string>();
  const refresh = useCallback(async () => {
    try {
      const all = await navigator.mediaDevices.enumerateDevices();
      // "default" and "communications" are aliases of a real device: "System default" stands for them.
      const real = all.filter((d) => d.deviceId && d.deviceId !== 'default' && d.deviceId !== 'communications');
      setDevices({ input: real.filter((d) => d.kind === 'audioinput'), output: real.filter((d) => d.kind === 'audiooutput') });
      setProblem(undefined);
    } catch (error) {
      setProblem(`The devices could not be listed: ${(error as Error).message}`);
    }
  }, []);
  useEffect(() => {
    void refresh();
    navigator.mediaDevices?.addEventListener('devicechange', refresh);
    return () => navigator.mediaDevices?.removeEventListener('devicechange', refresh);
  }, [refresh]);
  if (!settings) return null;

  const choices = (list: MediaDeviceInfo[] | undefined, chosen: string | null, noun: string) => {
    const options = [{ value: SYSTEM_DEFAULT, label: 'System default' }, ...(list ?? []).map((d, i) => option(d, i, noun))];
    if (chosen && !options.some((o) => o.value === chosen)) options.push({ value: chosen, label: `${noun} not connected` });
    return options;
  };
  return (
    <Panel
      id="devices-title"
      title="Audio devices"
      actions={
        <button type="button" className="btn btn-quiet" onClick={() => void refresh()}>
          <RefreshIcon />
          Refresh
        </button>
      }
    >
      {problem && <p className="mb-4 text-sm text-amber-700 dark:text-amber-300">{problem}</p>}
      <div className="grid gap-5 sm:grid-cols-2">
        <SelectField
          label="Microphone"
          value={settings.devices.input ?? SYSTEM_DEFAULT}
          options={choices(devices?.input, settings.devices.input, 'Microphone')}
          onChange={(value) => update({ devices: { input: value || null } })}
        />
        <SelectField
          label="Speaker"
          value={settings.devices.output ?? SYSTEM_DEFAULT}
          options={choices(devices?.output, settings.devices.output, 'Speaker')}
          onChange={(value) => update({ devices: { output: value || null } })}
        />
      </div>
    </Panel>
  );
}
