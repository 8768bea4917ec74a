import { useStore } from 'zustand';
import { ErrorCallout } from '../components/ErrorCallout';
import { RefreshIcon } from '../components/icons';
import { CatalogCard } from '../components/models/CatalogCard';
import { MachinePanel } from '../components/models/MachinePanel';
import { ViewHeader } from '../components/ViewHeader';
import { useStores } from '../stores/context';

export default function ModelsView() {
  const models = useStores().models;
  const catalog = useStore(models.catalog, (s) => s.data);
  const disk = useStore(models.disk, (s) => s.data);
  return (
    <>
      <ViewHeader
        title="Models"
        description="Qwen3-Omni models for this computer. Downloads are the only thing Omnidesk fetches from the network."
        actions={
          <button type="button" className="btn btn-quiet" onClick={() => void models.reload()} disabled={catalog.phase === 'loading'}>
            <RefreshIcon />
            Refresh
          </button>
        }
      />
      <div className="flex-1 overflow-y-auto px-8 py-6">
        <div className="mx-auto max-w-3xl space-y-6">
          <MachinePanel models={models} />
          {catalog.phase === 'failed' && <ErrorCallout error={catalog.error} />}
          {disk.phase === 'failed' && <ErrorCallout error={disk.error} />}
          {catalog.phase === 'loading' && !catalog.value && <p className="text-sm text-zinc-500">Estimating what fits this computer…</p>}
          {catalog.value?.models.map((model) => <CatalogCard key={model.id} model={model} models={models} />)}
        </div>
      </div>
    </>
  );
}
