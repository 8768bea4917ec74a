import { useStore } from 'zustand';
import { useStores } from '../stores/context';
import { ErrorCallout } from '../components/ErrorCallout';
import { ModelIcon, RefreshIcon } from '../components/icons';
import { ViewHeader } from '../components/ViewHeader';
import { formatBytes } from '../format';

export default function ModelsView() {
  const models = useStores().models;
  const data = useStore(models, (s) => s.data);
  const list = data.value ?? [];
  return (
    <>
      <ViewHeader
        title="Models"
        description="Qwen3-Omni bundles installed on this computer."
        actions={
          <button type="button" className="btn btn-quiet" onClick={() => void models.getState().reload()} disabled={data.phase === 'loading'}>
            <RefreshIcon />
            Refresh
          </button>
        }
      />
      <div className="flex-1 space-y-4 overflow-y-auto px-8 py-6">
        {data.phase === 'failed' && <ErrorCallout error={data.error} />}
        {data.phase === 'loading' && !data.value && <p className="text-sm text-zinc-500">Looking for installed models…</p>}
        {data.phase === 'ready' && list.length === 0 && <NoModels />}
        {list.length > 0 && (
          <ul aria-label="Installed models" className="space-y-3">
            {list.map((model) => (
              <li key={`${model.id}@${model.revision}`} className="card p-4">
                <p className="font-medium">{model.id}</p>
                <p className="mt-0.5 font-mono text-xs text-zinc-500">revision {model.revision}</p>
                <ul className="mt-3 flex flex-wrap gap-2" aria-label={`Variants of ${model.id}`}>
                  {model.variants.map((variant) => (
                    <li key={variant.variant} className="rounded-md bg-zinc-100 px-2 py-1 text-xs dark:bg-zinc-800" title={variant.path}>
                      {variant.variant} · {formatBytes(variant.sizeBytes)}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        )}
      </div>
    </>
  );
}

function NoModels() {
  return (
    <section aria-labelledby="no-models" className="card mx-auto max-w-xl px-8 py-10 text-center">
      <ModelIcon className="mx-auto size-8 text-zinc-400" />
      <h2 id="no-models" className="mt-3 font-semibold">
        No models installed yet
      </h2>
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        Omnidesk needs a Qwen3-Omni model bundle on this computer before it can answer. Download and convert one from a
        terminal in the project folder:
      </p>
      <p className="mt-3">
        <code className="code">npx omnidesk pull Qwen/Qwen3-Omni-30B-A3B-Instruct</code>
      </p>
      <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
        or build one from a checkpoint you already have with <code className="code">npx omnidesk build</code>. Installed
        bundles appear here; press Refresh when it is done.
      </p>
    </section>
  );
}
