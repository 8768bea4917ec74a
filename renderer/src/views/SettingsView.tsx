import { useEffect } from 'react';
import { Panel } from '../components/Panel';
import { AppearancePanel } from '../components/settings/AppearancePanel';
import { BehaviourPanel } from '../components/settings/BehaviourPanel';
import { DevicesPanel } from '../components/settings/DevicesPanel';
import { ModelPanel } from '../components/settings/ModelPanel';
import { RemoteServersPanel } from '../components/remote/RemoteServersPanel';
import { PushToTalkPanel } from '../components/settings/PushToTalkPanel';
import { SettingsNotice } from '../components/settings/SettingsNotice';
import { VoicePanel } from '../components/settings/VoicePanel';
import { StreamCheckPanel } from '../components/StreamCheckPanel';
import { SystemInfoPanel } from '../components/SystemInfoPanel';
import { ViewHeader } from '../components/ViewHeader';
import { useStores } from '../stores/context';

export default function SettingsView() {
  const settings = useStores().settings;
  // Opening the view picks up voices of models installed since; leaving it writes what is still waiting.
  useEffect(() => {
    void settings.getState().reload();
    return () => void settings.getState().flush();
  }, [settings]);
  return (
    <>
      <ViewHeader title="Settings" description="Voice, answers, the model, devices and this computer. Changes are saved as you make them." />
      <div className="flex-1 overflow-y-auto px-8 py-6">
        <div className="mx-auto max-w-3xl space-y-6">
          <SettingsNotice />
          <VoicePanel />
          <BehaviourPanel />
          <ModelPanel />
          <PushToTalkPanel />
          <DevicesPanel />
          <AppearancePanel />
          <RemoteServersPanel />
          <SystemInfoPanel />
          <StreamCheckPanel />
          <Panel id="privacy-title" title="Privacy">
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Conversations, audio and images stay on this computer: the model runs in a local engine process and
              Omnidesk makes no network requests of its own, except model downloads you start in Models and
              conversations you switch to a remote server you added, which show where they are sent.
            </p>
          </Panel>
        </div>
      </div>
    </>
  );
}
