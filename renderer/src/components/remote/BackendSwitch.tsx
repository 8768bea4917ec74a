import { useId } from 'react';
import { useStore } from 'zustand';
import { LOCAL_BACKEND } from '../../../../main/ipc/schemas/values';
import { useStores } from '../../stores/context';
import { useConversationBackend } from './useConversationBackend';

/**
 * Who answers the conversation on screen: this computer or one of the remote servers. Absent until a server is
 * added, so a user who never configured one never sees a way off the machine.
 */
export function BackendSwitch() {
  const store = useStores().remote;
  const servers = useStore(store, (s) => s.servers.value) ?? [];
  const refused = useStore(store, (s) => s.error);
  const { conversationId, backend, remote, server } = useConversationBackend();
  const id = useId();
  if (servers.length === 0 && !remote) return null;
  return (
    <div className="flex items-center gap-2">
      <label htmlFor={id} className="text-sm text-zinc-500 dark:text-zinc-400">
        Answered by
      </label>
      <select id={id} value={backend} onChange={(event) => void store.getState().choose(conversationId, event.target.value)} className="input w-auto py-1">
        <option value={LOCAL_BACKEND}>This computer</option>
        {servers.map((s) => (
          <option key={s.id} value={s.id}>
            {s.name}
          </option>
        ))}
        {remote && !server && <option value={backend}>A removed server</option>}
      </select>
      {refused && (
        <p role="alert" className="max-w-xs text-xs text-amber-700 dark:text-amber-300">
          {refused.message}
        </p>
      )}
    </div>
  );
}
