import { Panel } from '../components/Panel';
import { StreamCheckPanel } from '../components/StreamCheckPanel';
import { SystemInfoPanel } from '../components/SystemInfoPanel';
import { ViewHeader } from '../components/ViewHeader';

export default function SettingsView() {
  return (
    <>
      <ViewHeader title="Settings" description="This computer, the engine, and what stays private." />
      <div className="flex-1 overflow-y-auto px-8 py-6">
        <div className="mx-auto max-w-3xl space-y-6">
          <SystemInfoPanel />
          <StreamCheckPanel />
          <Panel id="privacy-title" title="Privacy">
            <p className="text-sm text-zinc-600 dark:text-zinc-400">
              Conversations, audio and images stay on this computer: the model runs in a local engine process and
              Omnidesk makes no network requests of its own.
            </p>
          </Panel>
        </div>
      </div>
    </>
  );
}
