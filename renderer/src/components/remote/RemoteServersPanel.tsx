import { useState } from 'react';
import { useStore } from 'zustand';
import type { RemoteServerView } from '../../../../main/ipc/contract';
import { LOCAL_BACKEND } from '../../../../main/ipc/schemas/values';
import { useStores } from '../../stores/context';
import { ConfirmDialog } from '../ConfirmDialog';
import { SelectField } from '../controls';
import { ErrorCallout } from '../ErrorCallout';
import { PencilIcon, PlusIcon, TrashIcon } from '../icons';
import { Panel } from '../Panel';
import { useSettings } from '../settings/useSettings';
import { RemoteServerForm } from './RemoteServerForm';

/** Settings → Remote servers: OpenAI-compatible servers a conversation may be answered by, none until added. */
export function RemoteServersPanel() {
  const store = useStores().remote;
  const servers = useStore(store, (s) => s.servers);
  const { settings, update } = useSettings();
  const [editing, setEditing] = useState<RemoteServerView | 'new'>();
  const [removing, setRemoving] = useState<RemoteServerView>();
  const list = servers.value ?? [];
  return (
    <Panel
      id="remote-servers-title"
      title="Remote servers"
      actions={
        editing === undefined && (
          <button type="button" className="btn btn-quiet" onClick={() => setEditing('new')}>
            <PlusIcon />
            Add server
          </button>
        )
      }
    >
      <div className="space-y-4">
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          A computer with a bigger GPU can answer for this one: any OpenAI-compatible server that runs Qwen3-Omni (vLLM-Omni, or
          <code className="code mx-1">omnidesk serve</code>
          on another machine). Each conversation says who answers it; what you send in one answered by a server goes to that server.
        </p>
        {servers.phase === 'failed' && <ErrorCallout error={servers.error} />}
        {list.length > 0 && (
          <ul aria-label="Remote servers" className="divide-y divide-zinc-200 rounded-lg border border-zinc-200 dark:divide-zinc-800 dark:border-zinc-800">
            {list.map((server) => (
              <li key={server.id} aria-label={server.name} className="flex items-center justify-between gap-4 px-4 py-3">
                <div className="min-w-0">
                  <p className="text-sm font-medium">{server.name}</p>
                  <p className="truncate font-mono text-xs text-zinc-500 dark:text-zinc-400">
                    {server.baseUrl} · {server.model} · {server.hasApiKey ? 'API key stored' : 'no API key'}
                  </p>
                </div>
                <div className="flex shrink-0 gap-2">
                  <button type="button" className="btn btn-quiet" aria-label={`Edit ${server.name}`} onClick={() => setEditing(server)}>
                    <PencilIcon />
                    Edit
                  </button>
                  <button type="button" className="btn btn-quiet" aria-label={`Remove ${server.name}`} onClick={() => setRemoving(server)}>
                    <TrashIcon />
                    Remove
                  </button>
                </div>
              </li>
            ))}
          </ul>
        )}
        {servers.phase === 'ready' && list.length === 0 && editing === undefined && (
          <p className="text-sm text-zinc-500 dark:text-zinc-400">None added: every conversation is answered on this computer, and nothing is sent anywhere.</p>
        )}
        {editing !== undefined && <RemoteServerForm key={editing === 'new' ? 'new' : editing.id} server={editing === 'new' ? undefined : editing} onDone={() => setEditing(undefined)} />}
        {settings && list.length > 0 && (
          <SelectField
            label="New conversations are answered by"
            value={settings.remote.defaultBackend}
            options={[{ value: LOCAL_BACKEND, label: 'This computer' }, ...list.map((server) => ({ value: server.id, label: server.name }))]}
            onChange={(defaultBackend) => update({ remote: { defaultBackend } })}
            hint="Each conversation can be switched above its messages."
          />
        )}
      </div>
      <ConfirmDialog
        open={removing !== undefined}
        title={`Remove “${removing?.name ?? ''}”?`}
        confirmLabel="Remove"
        danger
        onClose={() => setRemoving(undefined)}
        onConfirm={() => {
          if (removing) void store.getState().remove(removing.id);
          setRemoving(undefined);
        }}
      >
        Its API key is deleted from this computer. Conversations it answered are kept; they ask who should answer before their next turn.
      </ConfirmDialog>
    </Panel>
  );
}
