import { useId, useState } from 'react';
import { useStore } from 'zustand';
import type { CatalogModel } from '../../../../main/ipc/contract';
import { formatBytes } from '../../format';
import { isRunning, suggestedVariant, type ModelsStore } from '../../stores/models';
import { ConfirmDialog } from '../ConfirmDialog';
import { ErrorCallout } from '../ErrorCallout';
import { DownloadIcon, TrashIcon } from '../icons';
import { JobProgress } from './JobProgress';
import { VariantChoice } from './VariantChoice';

export function CatalogCard({ model, models }: { model: CatalogModel; models: ModelsStore }) {
  const titleId = useId();
  const job = useStore(models.jobs, (s) => s.jobs[model.id]);
  const busy = useStore(models.jobs, (s) => s.busy[model.id] ?? false);
  const error = useStore(models.jobs, (s) => s.errors[model.id]);
  const [variant, setVariant] = useState(suggestedVariant(model.fits) ?? model.fits[0]?.variant);
  const [keepCheckpoint, setKeepCheckpoint] = useState(false);
  const [confirmRemove, setConfirmRemove] = useState(false);
  const running = isRunning(job);
  const chosen = model.fits.find((fit) => fit.variant === variant);
  const installedBytes = model.installed.reduce((sum, v) => sum + v.sizeBytes, 0);
  const alreadyBuilt = model.installed.some((v) => v.variant === variant);

  return (
    <section aria-labelledby={titleId} className="card p-5">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0">
          <h2 id={titleId} className="font-semibold">
            {model.displayName}
          </h2>
          <p className="mt-0.5 font-mono text-xs break-all text-zinc-500 select-text">{model.id}</p>
        </div>
        <ul className="flex flex-wrap gap-1.5 text-xs" aria-label={`About ${model.displayName}`}>
          <li className="rounded-full bg-zinc-100 px-2 py-0.5 dark:bg-zinc-800">{model.speech ? 'Speech and text replies' : 'Text replies only'}</li>
          <li className="rounded-full bg-zinc-100 px-2 py-0.5 dark:bg-zinc-800">{model.license}</li>
          <li className="rounded-full bg-zinc-100 px-2 py-0.5 tabular-nums dark:bg-zinc-800">Download {formatBytes(model.downloadBytes)}</li>
        </ul>
      </div>

      {model.installed.length > 0 && (
        <div aria-live="polite" className="mt-4 flex flex-wrap items-center justify-between gap-3 rounded-lg bg-emerald-50 px-3 py-2 text-sm text-emerald-900 dark:bg-emerald-400/10 dark:text-emerald-200">
          <ul aria-label={`Installed variants of ${model.displayName}`}>
            {model.installed.map((v) => (
              <li key={`${v.revision}/${v.variant}`}>
                Installed: <span className="font-mono">{v.variant}</span> · {formatBytes(v.sizeBytes)} · revision <span className="font-mono">{v.revision.slice(0, 7)}</span>
                {v.active && <span className="ml-2 rounded-full bg-emerald-600 px-2 py-0.5 text-xs font-medium text-white dark:bg-emerald-400 dark:text-zinc-950">Answers now</span>}
              </li>
            ))}
          </ul>
          <button type="button" className="btn btn-quiet" disabled={running || busy} onClick={() => setConfirmRemove(true)} aria-label={`Remove ${model.displayName}`}>
            <TrashIcon />
            Remove
          </button>
        </div>
      )}

      <div className="mt-4 space-y-4">
        <VariantChoice model={model.displayName} fits={model.fits} value={variant} onChange={setVariant} disabled={running} />
        <div className="flex flex-wrap items-center justify-between gap-4">
          <label className="flex items-center gap-2 text-sm text-zinc-700 dark:text-zinc-300">
            <input type="checkbox" checked={keepCheckpoint} disabled={running} onChange={(event) => setKeepCheckpoint(event.target.checked)} className="accent-accent-600" />
            Keep the downloaded checkpoint (rebuilds without downloading again)
          </label>
          <button
            type="button"
            className="btn btn-primary"
            disabled={running || busy || !chosen || chosen.verdict === 'does not fit'}
            onClick={() => variant && void models.pull(model.id, variant, keepCheckpoint)}
          >
            <DownloadIcon />
            {alreadyBuilt ? 'Build again' : 'Download and build'}
          </button>
        </div>
        {/* A finished install shows as the installed strip above; failures and cancellations stay until the next try. */}
        {job && job.phase !== 'done' && <JobProgress job={job} models={models} busy={busy} name={model.displayName} />}
        {error && <ErrorCallout error={error} action={<button type="button" className="btn btn-quiet" onClick={() => models.dismissError(model.id)}>Dismiss</button>} />}
      </div>

      <ConfirmDialog
        open={confirmRemove}
        title={`Remove ${model.displayName}?`}
        confirmLabel="Remove"
        danger
        busy={busy}
        onClose={() => setConfirmRemove(false)}
        onConfirm={() => {
          setConfirmRemove(false);
          void models.remove(model.id);
        }}
      >
        Every installed variant ({formatBytes(installedBytes)}) and any unfinished download of it are deleted from this computer. A Hugging Face cache
        is never touched.
      </ConfirmDialog>
    </section>
  );
}
