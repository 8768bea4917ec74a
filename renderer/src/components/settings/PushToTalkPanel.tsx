import { Panel } from '../Panel';
import { KeyCapture } from './KeyCapture';
import { acceleratorLabel, keyLabel, toAccelerator } from './keys';
import { useSettings } from './useSettings';

const isMac = () => /Mac/i.test(navigator.platform);

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
        <div className="flex items-start justify-between gap-6">
          <div>
            <p className="text-sm font-medium">Global hotkey</p>
            <p className="mt-0.5 max-w-md text-sm text-zinc-500 dark:text-zinc-400">
              Works while Omnidesk is in the background. The system reports only the press, not the release, so it
              starts talking and a second press sends. Needs the Input Monitoring permission on macOS; not available
              on Wayland.
            </p>
          </div>
          <div className="flex shrink-0 flex-col items-end gap-2">
            <KeyCapture
              label="Global hotkey"
              shown={globalHotkey ? acceleratorLabel(globalHotkey, isMac()) : 'Off'}
              accept={(event) => {
                const accelerator = toAccelerator(event);
                return accelerator ? { value: accelerator } : { problem: 'Hold Ctrl, Alt or Shift (⌘ on a Mac) with a letter, digit, F-key or Space.' };
              }}
              onChange={(value) => update({ pushToTalk: { globalHotkey: value } })}
            />
            {globalHotkey && (
              <button type="button" className="text-xs text-zinc-500 underline-offset-2 hover:underline dark:text-zinc-400" onClick={() => update({ pushToTalk: { globalHotkey: null } })}>
                Turn off the global hotkey
              </button>
            )}
          </div>
        </div>
      </div>
    </Panel>
  );
}
