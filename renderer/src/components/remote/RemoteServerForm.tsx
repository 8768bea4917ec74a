import { useId, useState, type FormEvent } from 'react';
import type { ErrorInfo, RemoteServerView } from '../../../../main/ipc/contract';
import { useStores } from '../../stores/context';
import { ErrorCallout } from '../ErrorCallout';
import { sendsInPlainText, serverAddress } from './address';

type Check = { phase: 'idle' } | { phase: 'checking' } | { phase: 'ok'; models: string[] } | { phase: 'failed'; error: ErrorInfo };

/**
 * Adds a server or changes one. "Test connection" asks the server for its models (with the key typed, or the
 * stored one), and the model is picked from that list. A stored key is never shown: it can be kept, replaced or
 * removed.
 */
export function RemoteServerForm({ server, onDone }: { server?: RemoteServerView; onDone: () => void }) {
  const store = useStores().remote;
  const [name, setName] = useState(server?.name ?? '');
  const [baseUrl, setBaseUrl] = useState(server?.baseUrl ?? '');
  const [apiKey, setApiKey] = useState('');
  const [forgetKey, setForgetKey] = useState(false);
  const [model, setModel] = useState(server?.model ?? '');
  const [check, setCheck] = useState<Check>({ phase: 'idle' });
  const [saving, setSaving] = useState(false);
  const [refused, setRefused] = useState<ErrorInfo>();
  const ids = { name: useId(), url: useId(), key: useId(), model: useId(), plain: useId() };

  const typedKey = apiKey.trim() || undefined;
  const models = [...new Set([...(check.phase === 'ok' ? check.models : []), ...(model ? [model] : [])])];

  const testConnection = async () => {
    setCheck({ phase: 'checking' });
    try {
      const listed = await store.getState().check({ baseUrl, ...(typedKey ? { apiKey: typedKey } : {}), ...(server && !forgetKey ? { id: server.id } : {}) });
      setCheck({ phase: 'ok', models: listed });
      if (!listed.includes(model) && listed.length > 0) setModel(listed[0]);
    } catch (error) {
      setCheck({ phase: 'failed', error: error as ErrorInfo });
    }
  };
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSaving(true);
    try {
      const key = typedKey ?? (forgetKey ? null : undefined);
      await store.getState().save({ ...(server ? { id: server.id } : {}), name, baseUrl, model, ...(key !== undefined ? { apiKey: key } : {}) });
      onDone();
    } catch (error) {
      setRefused(error as ErrorInfo);
    } finally {
      setSaving(false);
    }
  };

  return (
    <form aria-label={server ? `Edit ${server.name}` : 'Add a remote server'} onSubmit={(event) => void submit(event)} className="space-y-4 rounded-lg border border-zinc-200 p-4 dark:border-zinc-700">
      <div className="grid gap-4 sm:grid-cols-2">
        <div>
          <label htmlFor={ids.name} className="text-sm font-medium">
            Name
          </label>
          <input id={ids.name} className="input mt-1.5" value={name} maxLength={64} placeholder="gpu-box" onChange={(event) => setName(event.target.value)} />
        </div>
        <div>
          <label htmlFor={ids.url} className="text-sm font-medium">
            Server URL
          </label>
          <input
            id={ids.url}
            className="input mt-1.5 font-mono"
            value={baseUrl}
            placeholder="http://gpu-box:8091/v1"
            spellCheck={false}
            aria-describedby={sendsInPlainText(baseUrl) ? ids.plain : undefined}
            onChange={(event) => (setBaseUrl(event.target.value), setCheck({ phase: 'idle' }))}
          />
        </div>
      </div>
      {sendsInPlainText(baseUrl) && (
        <p id={ids.plain} className="text-xs text-amber-700 dark:text-amber-300">
          Plain http to {serverAddress(baseUrl)}: anyone on the network between here and there can read what you send, key included. Use
          https, or reach the server through a VPN or an SSH tunnel.
        </p>
      )}
      <div>
        <label htmlFor={ids.key} className="text-sm font-medium">
          API key
        </label>
        <input
          id={ids.key}
          type="password"
          autoComplete="off"
          className="input mt-1.5 font-mono"
          value={apiKey}
          placeholder={server?.hasApiKey && !forgetKey ? 'Stored — type a new one to replace it' : 'Optional, if the server asks for one'}
          onChange={(event) => setApiKey(event.target.value)}
        />
        <p className="mt-1 text-xs text-zinc-500 dark:text-zinc-400">Kept encrypted by your operating system, never in the settings file.</p>
        {server?.hasApiKey && (
          <label className="mt-1.5 flex items-center gap-2 text-sm">
            <input type="checkbox" className="accent-accent-600" checked={forgetKey} onChange={(event) => setForgetKey(event.target.checked)} />
            Remove the stored key
          </label>
        )}
      </div>
      <div className="flex flex-wrap items-center gap-3">
        <button type="button" className="btn btn-quiet" disabled={!baseUrl.trim() || check.phase === 'checking'} onClick={() => void testConnection()}>
          {check.phase === 'checking' ? 'Testing…' : 'Test connection'}
        </button>
        {check.phase === 'ok' && (
          <p role="status" className="text-sm text-emerald-700 dark:text-emerald-400">
            Connected: the server lists {check.models.length === 1 ? '1 model' : `${check.models.length} models`}.
          </p>
        )}
      </div>
      {check.phase === 'failed' && <ErrorCallout error={check.error} />}
      <div>
        <label htmlFor={ids.model} className="text-sm font-medium">
          Model
        </label>
        <select id={ids.model} className="input mt-1.5 disabled:opacity-60" value={model} disabled={models.length === 0} onChange={(event) => setModel(event.target.value)}>
          {models.length === 0 && <option value="">Test the connection to list the server’s models</option>}
          {models.map((m) => (
            <option key={m} value={m}>
              {m}
            </option>
          ))}
        </select>
      </div>
      {refused && <ErrorCallout error={refused} />}
      <div className="flex justify-end gap-2">
        <button type="button" className="btn btn-quiet" onClick={onDone}>
          Cancel
        </button>
        <button type="submit" className="btn btn-primary" disabled={saving || !model}>
          Save server
        </button>
      </div>
    </form>
  );
}
