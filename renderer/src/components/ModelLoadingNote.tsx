import type { ModelLoading } from '../stores/conversation';
import { formatDuration } from '../format';
import { useNow } from './useNow';

/**
 * A reply waiting for the engine to open the model. What happens and why it is slow is announced once; the time
 * waited grows beside it, readable but outside the live region, so a screen reader is not told every second.
 */
export function ModelLoadingNote({ loading }: { loading: ModelLoading }) {
  const now = useNow(true, 1000);
  return (
    <div className="pt-1.5 text-zinc-500 dark:text-zinc-400">
      <p role="status">
        {loading.part === 'model' ? 'Loading Qwen3-Omni…' : 'Loading Qwen3-Omni’s voice…'} The first answer after starting can take a few minutes.
      </p>
      <p className="mt-0.5 text-xs tabular-nums">Waiting for {formatDuration(now - loading.since, { whole: true })}</p>
    </div>
  );
}
