import { useStore } from 'zustand';
import { useStores } from '../../stores/context';
import { Switch } from '../controls';
import { Panel } from '../Panel';
import { KeyCapture } from './KeyCapture';
import { acceleratorLabel, DEFAULT_GLOBAL_HOTKEY, keyLabel, toAccelerator } from './keys';
import { useSettings } from './useSettings';

const isMac = () => /Mac/i.test(navigator.platform);

/** How main listens for the global hotkey: a hold, a toggle (and why), or not at all (and why). */
function GlobalHotkeyStatus() {
  const status = useStore(useStores().hotkey, (s) => s.status);
  if (!status || status.mode === 'off') return null;
  if (status.mode === 'hold') {
    return <p className="text-sm text-zinc-500 dark:text-zinc-400">Hold it to talk and let go to send, from any app.</p>;
  }
  return (
    <p role="status" className="max-w-md text-sm text-amber-700 dark:text-amber-300">
      {status.mode === 'toggle' ? 'Works as a toggle here: ' : 'Not available: '}
      {status.detail}
    </p>
  );
}

export function PushToTalkPanel() {
  const { settings, update } = useSettings();
  if (!settings) return null;
  const { key, globalHotkey } = settings.pushToTalk;
  return (
    <Panel id="push-to-talk-title" title="Push to talk">
      <div className="space-y-6">
        <div className="flex items-start justify-between gap-6">
          <div>
            <p className="text-sm font-medium">Key in the window</p>
            <p className="mt-0.5 text-sm text-zinc-500 dark:text-zinc-400">Hold it to talk, release it to send. Space talks whenever no text field has focus.</p>
          </div>
          <KeyCapture
            label="Push-to-talk key"
            shown={keyLabel(key)}
            accept={(event) => (event.code ? { value: event.code } : { problem: 'This key has no code the browser reports; choose another.' })}
            onChange={(value) => update({ pushToTalk: { key: value } })}
          />
        </div>
        <Switch
          label="Global push-to-talk"
          checked={globalHotkey !== null}
          onChange={(on) => update({ pushToTalk: { globalHotkey: on ? DEFAULT_GLOBAL_HOTKEY : null } })}
          description="Talk while Omnidesk is in the background. Off unless you turn it on: to hear its hotkey, Omnidesk watches every key you type. While its window has focus, the key above talks."
        />
        {globalHotkey !== null && (
          <div className="flex items-start justify-between gap-6 border-l-2 border-zinc-200 pl-4 dark:border-zinc-700">
            <div className="space-y-1">
              <p className="text-sm font-medium">Global hotkey</p>
              <GlobalHotkeyStatus />
            </div>
            <KeyCapture
              label="Global hotkey"
              shown={acceleratorLabel(globalHotkey, isMac())}
              accept={(event) => {
                const accelerator = toAccelerator(event);
                return accelerator ? { value: accelerator } : { problem: 'Hold Ctrl, Alt or Shift (⌘ on a Mac) with a letter, digit, F-key or Space.' };
              }}
              onChange={(value) => update({ pushToTalk: { globalHotkey: value } })}
            />
          </div>
        )}
      </div>
    </Panel>
  );
}
