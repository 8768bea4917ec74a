import { useStore } from 'zustand';
import type { EngineState } from '../../../main/ipc/contract';
import { modelLines, modelOpening, retrySecondsLeft } from '../stores/engine';
import { useStores } from '../stores/context';
import { useNow } from './useNow';

const LOOK: Record<EngineState['state'] | 'unknown', { label: string; dot: string }> = {
  unknown: { label: 'Connecting…', dot: 'bg-zinc-400 animate-pulse' },
  starting: { label: 'Starting…', dot: 'bg-sky-500 animate-pulse' },
  ready: { label: 'Ready', dot: 'bg-emerald-500' },
  busy: { label: 'Working…', dot: 'bg-accent-500 animate-pulse' },
  crashed: { label: 'Crashed', dot: 'bg-red-500' },
  stopped: { label: 'Stopped', dot: 'bg-zinc-400' },
};

/**
 * The engine's lifecycle, always visible: a crash shows its reason and the restart countdown, and the local model
 * how its opening went (the seconds of an open in progress are shown, not announced).
 */
export function EngineStatus() {
  const view = useStore(useStores().engine);
  const crashed = view.status?.state === 'crashed';
  const opening = modelOpening(view.status?.model) !== undefined;
  const now = useNow(crashed || opening);
  const look = LOOK[view.status?.state ?? 'unknown'];
  const seconds = retrySecondsLeft(view, now);
  const problem = view.error ?? (view.status?.state === 'ready' ? undefined : view.status?.lastError);
  return (
    <div role="status" aria-label="Engine status" className="rounded-lg px-3 py-2.5 text-xs text-zinc-600 dark:text-zinc-400">
      <p className="flex items-center gap-2 font-medium text-zinc-800 dark:text-zinc-200">
        <span className={`size-2 shrink-0 rounded-full motion-reduce:animate-none ${look.dot}`} aria-hidden="true" />
        <span>Engine: {view.error ? 'Not answering' : look.label}</span>
      </p>
      {seconds !== undefined && <p className="mt-1 pl-4">{seconds > 0 ? `Restarting in ${seconds} s` : 'Restarting…'}</p>}
      {modelLines(view.status?.model, now).map(({ part, text, elapsed }) => (
        <p key={part} className="mt-1 pl-4 break-words">
          {text}
          {elapsed && <span aria-hidden="true" className="tabular-nums"> {elapsed}</span>}
        </p>
      ))}
      {problem && <p className="mt-1 pl-4 break-words">{problem.message}</p>}
      {problem?.hint && <p className="mt-1 pl-4 break-words text-zinc-500">{problem.hint}</p>}
    </div>
  );
}
