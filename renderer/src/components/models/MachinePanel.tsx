import type { ReactNode } from 'react';
import { useStore } from 'zustand';
import type { InvokeResponse } from '../../../../main/ipc/contract';
import { formatBytes, providerName } from '../../format';
import { useStores } from '../../stores/context';
import type { ModelsStore } from '../../stores/models';
import { Panel } from '../Panel';

const ENGINE_STATE: Record<string, string> = {
  starting: 'Starting',
  ready: 'Ready',
  busy: 'Working',
  crashed: 'Crashed, restarting',
  stopped: 'Stopped',
};

function gpuMemory({ vramBytes, gpuUnusable }: InvokeResponse<'models.catalog'>['machine']): string {
  if (vramBytes === undefined) return 'No GPU detected';
  return gpuUnusable ? `${formatBytes(vramBytes)}, not used: ${gpuUnusable}` : formatBytes(vramBytes);
}

/** The engine and what this computer offers a model: memory, GPU, disk. */
export function MachinePanel({ models }: { models: ModelsStore }) {
  const stores = useStores();
  const engineState = useStore(stores.engine, (s) => s.status?.state);
  const info = useStore(stores.system, (s) => s.data.value);
  const machine = useStore(models.catalog, (s) => s.data.value?.machine);
  const disk = useStore(models.disk, (s) => s.data.value);
  // The engine lists providers in its order of preference and uses the first that works (chooseProvider).
  const provider = info?.engine.executionProviders.find((p) => p.available);
  const rows: Array<[string, ReactNode]> = [
    ['Engine', engineState ? ENGINE_STATE[engineState] : 'Connecting…'],
    ['Execution provider', provider ? `${providerName(provider.name)} (${provider.reason})` : 'Asking the engine…'],
    ['Memory', machine ? `${formatBytes(machine.totalRamBytes)} (${formatBytes(machine.freeRamBytes)} free)` : '…'],
    ['GPU memory', machine ? gpuMemory(machine) : '…'],
    [
      'Disk',
      disk
        ? `Models use ${formatBytes(disk.modelsBytes)}${disk.downloadsBytes > 0 ? `, unfinished downloads ${formatBytes(disk.downloadsBytes)}` : ''}; ${formatBytes(disk.freeBytes)} free`
        : '…',
    ],
    ['Models folder', disk ? <code className="code break-all">{disk.folder}</code> : '…'],
  ];
  return (
    <Panel id="machine-title" title="This computer">
      <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-2 text-sm">
        {rows.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="text-zinc-500 dark:text-zinc-400">{term}</dt>
            <dd className="min-w-0 break-words select-text">{value}</dd>
          </div>
        ))}
      </dl>
    </Panel>
  );
}
