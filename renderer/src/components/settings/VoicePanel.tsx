import { Panel } from '../Panel';
import { SelectField, Switch } from '../controls';
import { useSettings } from './useSettings';

export function VoicePanel() {
  const { settings, speakers, update } = useSettings();
  if (!settings) return null;
  const { speaker, speak } = settings.voice;
  // The stored voice stays listed even before a model offering it is installed.
  const names = speakers.some((name) => name.toLowerCase() === speaker.toLowerCase()) ? speakers : [speaker, ...speakers];
  return (
    <Panel id="voice-title" title="Voice">
      <div className="space-y-5">
        <Switch label="Speak replies" description="Read answers aloud as they are written. Off: text only, which is faster." checked={speak} onChange={(on) => update({ voice: { speak: on } })} />
        <SelectField
          label="Voice"
          value={speaker}
          disabled={!speak}
          options={names.map((name) => ({ value: name, label: name }))}
          onChange={(value) => update({ voice: { speaker: value } })}
          hint={speakers.length === 0 ? 'The voices come with the model: install one in Models to choose among them.' : `${speakers.length} voices from the installed models.`}
        />
      </div>
    </Panel>
  );
}
