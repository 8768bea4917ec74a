import type { ModelJob } from '../../../../main/ipc/contract';
import type { ModelsStore } from '../../stores/models';
import { ErrorCallout } from '../ErrorCallout';
import { percent, phaseLabel, progressLine } from './progress';

export function JobProgress({ job, models, busy, name }: { job: ModelJob; models: ModelsStore; busy: boolean; name: string }) {
  const { progress } = job;
  const step = job.phase === 'building' ? 'Build' : 'Download';
  const ended = job.phase === 'done' || job.phase === 'failed' || job.phase === 'cancelled';
  return (
    <div className="rounded-lg border border-zinc-200 bg-zinc-50/70 p-4 dark:border-zinc-800 dark:bg-zinc-900/40">
      <div className="flex items-center justify-between gap-4">
        <p role="status" aria-label={`${name} status`} className="text-sm font-medium">
          {phaseLabel(job)}
        </p>
        {!ended && (
          <div className="flex gap-2">
            {job.phase === 'downloading' && (
              <button type="button" className="btn btn-quiet" disabled={busy} onClick={() => void models.pause(job.id)}>
                Pause
              </button>
            )}
            {job.phase === 'paused' && (
              <button type="button" className="btn btn-quiet" disabled={busy} onClick={() => void models.resume(job.id)}>
                Resume
              </button>
            )}
            <button type="button" className="btn btn-quiet" disabled={busy} onClick={() => void models.cancel(job.id)}>
              Cancel
            </button>
          </div>
        )}
      </div>
      {progress && !ended && (
        <>
          <div
            role="progressbar"
            aria-label={`${step} progress`}
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={percent(progress)}
            aria-valuetext={`${percent(progress)}%: ${progressLine(progress, job.phase === 'paused')}`}
            className="mt-3 h-2 overflow-hidden rounded-full bg-zinc-200 dark:bg-zinc-800"
          >
            <div
              className={`h-full rounded-full transition-[width] duration-300 motion-reduce:transition-none ${job.phase === 'paused' ? 'bg-zinc-400 dark:bg-zinc-500' : 'bg-accent-500'}`}
              style={{ width: `${percent(progress)}%` }}
            />
          </div>
          <p className="mt-2 flex justify-between gap-4 text-xs text-zinc-600 tabular-nums dark:text-zinc-400">
            <span>{progressLine(progress, job.phase === 'paused')}</span>
            {job.detail && <span className="truncate text-zinc-500">{job.detail}</span>}
          </p>
        </>
      )}
      {!progress && job.detail && !ended && <p className="mt-1 text-xs text-zinc-500">{job.detail}</p>}
      {job.error && (
        <div className="mt-3">
          <ErrorCallout error={job.error} />
        </div>
      )}
    </div>
  );
}
