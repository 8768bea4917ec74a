import type { ReactNode } from 'react';
import { useStore } from 'zustand';
import type { SystemInfo } from '../../../main/ipc/contract';
import { useStores } from '../stores/context';
import { formatBytes, providerName } from '../format';
import { ErrorCallout } from './ErrorCallout';
import { RefreshIcon } from './icons';
import { Panel } from './Panel';

export function SystemInfoPanel() {
  const system = useStores().system;
  const data = useStore(system, (s) => s.data);
  return (
    <Panel
      id="system-title"
      title="System"
      actions={
        <button type="button" className="btn btn-quiet" onClick={() => void system.getState().reload()} disabled={data.phase === 'loading'}>
          <RefreshIcon />
          Refresh
        </button>
      }
    >
      {data.phase === 'failed' && <ErrorCallout error={data.error} />}
      {data.value ? (
        <Details info={data.value} />
      ) : (
        data.phase === 'loading' && <p className="text-sm text-zinc-500">Asking the engine (it may still be starting)…</p>
      )}
    </Panel>
  );
}

function Details({ info }: { info: SystemInfo }) {
  const { engine } = info;
  const rows: Array<[string, ReactNode]> = [
    ['Omnidesk', info.app.version],
    ['Shell', info.shell === 'electron' ? `Electron ${info.electron ?? ''}`.trim() : 'Browser preview (loopback server)'],
    ['ONNX Runtime', engine.onnxruntime.version],
    ['Platform', `${engine.platform} ${engine.arch}, ${engine.cpus} CPU threads, ${formatBytes(engine.totalMemoryBytes)} memory`],
    ['Engine process', `Node ${engine.node}, pid ${engine.pid}`],
  ];
  return (
    <>
      <dl className="grid grid-cols-[10rem_1fr] gap-x-4 gap-y-2 text-sm">
        {rows.map(([term, value]) => (
          <div key={term} className="contents">
            <dt className="text-zinc-500 dark:text-zinc-400">{term}</dt>
            <dd className="min-w-0 break-words select-text">{value}</dd>
          </div>
        ))}
      </dl>
      <h3 id="providers-title" className="mt-6 text-sm font-medium">
        Execution providers
      </h3>
      <ul aria-labelledby="providers-title" className="mt-2 divide-y divide-zinc-100 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
        {engine.executionProviders.map((provider) => (
          <li key={provider.name} className="flex items-start gap-3 px-3 py-2.5 text-sm">
            <span className="w-20 shrink-0 font-medium">{providerName(provider.name)}</span>
            <span
              className={`shrink-0 rounded-full px-2 py-0.5 text-xs font-medium ${
                provider.available
                  ? 'bg-emerald-100 text-emerald-800 dark:bg-emerald-400/15 dark:text-emerald-300'
                  : 'bg-zinc-100 text-zinc-600 dark:bg-zinc-800 dark:text-zinc-400'
              }`}
            >
              {provider.available ? 'Available' : 'Unavailable'}
            </span>
            <span className="min-w-0 break-words text-zinc-500 select-text dark:text-zinc-400">{provider.reason}</span>
          </li>
        ))}
      </ul>
    </>
  );
}
