import { useStore } from 'zustand';
import { useStores } from '../stores/context';
import { isEngineUp } from '../stores/engine';
import { ErrorCallout } from './ErrorCallout';
import { Panel } from './Panel';

/** Checks the binary path audio will take: the direct stream between this window and the engine. */
export function StreamCheckPanel() {
  const { streamCheck, engine } = useStores();
  const check = useStore(streamCheck, (s) => s.check);
  const engineUp = useStore(engine, isEngineUp);
  return (
    <Panel
      id="stream-title"
      title="Engine audio stream"
      actions={
        <button
          type="button"
          className="btn btn-quiet"
          onClick={() => void streamCheck.getState().run()}
          disabled={!engineUp || check.phase === 'running'}
        >
          Test audio stream
        </button>
      }
    >
      <p className="text-sm text-zinc-600 dark:text-zinc-400">
        Microphone audio goes to the engine, and speech comes back, over a direct binary stream. The test sends 100 ms of
        silence and waits for the engine to count it.
      </p>
      <div aria-live="polite" className="mt-3 text-sm">
        {check.phase === 'running' && <p className="text-zinc-500">Testing…</p>}
        {check.phase === 'passed' && (
          <p className="font-medium text-emerald-700 dark:text-emerald-400">
            Stream works: the engine received {check.result.samples.toLocaleString('en')} samples in{' '}
            {Math.max(1, Math.round(check.result.roundTripMs))} ms.
          </p>
        )}
        {check.phase === 'failed' && <ErrorCallout error={check.error} />}
      </div>
    </Panel>
  );
}
