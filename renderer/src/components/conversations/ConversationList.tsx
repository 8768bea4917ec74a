import { useId } from 'react';
import { useStore } from 'zustand';
import type { SearchHit } from '../../../../main/ipc/contract';
import { useStores } from '../../stores/context';
import { PlusIcon, SearchIcon } from '../icons';

const when = (ms: number, now = Date.now()) => {
  const date = new Date(ms);
  const today = new Date(now);
  return date.toDateString() === today.toDateString()
    ? date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
    : date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' });
};

const itemClass = (active: boolean) =>
  `block w-full rounded-lg px-3 py-1.5 text-left text-sm transition-colors ${
    active
      ? 'bg-zinc-200/70 font-medium text-zinc-900 dark:bg-zinc-800/80 dark:text-zinc-50'
      : 'text-zinc-600 hover:bg-zinc-200/60 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800/60 dark:hover:text-zinc-100'
  }`;

function Snippet({ hit }: { hit: SearchHit }) {
  if (hit.snippet.length === 0) return null;
  return (
    <span className="mt-0.5 line-clamp-2 block text-xs text-zinc-500 dark:text-zinc-400">
      {hit.snippet.map((part, i) =>
        part.match ? (
          <mark key={i} className="rounded-sm bg-accent-300/50 px-0.5 text-inherit dark:bg-accent-500/30">
            {part.text}
          </mark>
        ) : (
          <span key={i}>{part.text}</span>
        ),
      )}
    </span>
  );
}

/** The saved conversations in the sidebar: a new one, search, and the list (or the search results). */
export function ConversationList() {
  const stores = useStores();
  const store = stores.conversations;
  const list = useStore(store, (s) => s.list);
  const query = useStore(store, (s) => s.query);
  const hits = useStore(store, (s) => s.hits);
  const activeId = useStore(stores.conversation, (s) => s.conversationId);
  const show = useStore(stores.navigation, (s) => s.show);
  const searchId = useId();
  const open = (id: string) => {
    show('conversation');
    void store.getState().open(id);
  };

  return (
    <section aria-labelledby={`${searchId}-title`} className="flex min-h-0 flex-1 flex-col px-3 pt-5">
      <div className="flex items-center justify-between px-3">
        <h2 id={`${searchId}-title`} className="text-xs font-semibold tracking-wide text-zinc-500 uppercase dark:text-zinc-400">
          Conversations
        </h2>
        <button
          type="button"
          aria-label="New conversation"
          title="New conversation"
          onClick={() => {
            show('conversation');
            store.getState().startNew();
          }}
          className="rounded-md p-1 text-zinc-500 hover:bg-zinc-200/60 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800 dark:hover:text-zinc-100"
        >
          <PlusIcon />
        </button>
      </div>
      <div className="relative mt-2">
        <SearchIcon className="pointer-events-none absolute top-1/2 left-2.5 size-3.5 -translate-y-1/2 text-zinc-400" />
        <label htmlFor={searchId} className="sr-only">
          Search conversations
        </label>
        <input
          id={searchId}
          type="search"
          value={query}
          onChange={(event) => store.getState().search(event.target.value)}
          placeholder="Search"
          className="input py-1 pl-8 text-[0.8125rem]"
        />
      </div>
      <div className="-mx-1 mt-2 min-h-0 flex-1 overflow-y-auto px-1 pb-2">
        {hits ? (
          <ul aria-label="Search results" className="space-y-0.5">
            {hits.value?.map((hit) => (
              <li key={`${hit.conversationId}/${hit.messageId}`}>
                <button type="button" className={itemClass(hit.conversationId === activeId)} onClick={() => open(hit.conversationId)}>
                  <span className="block truncate font-medium">{hit.title}</span>
                  <Snippet hit={hit} />
                </button>
              </li>
            ))}
            {hits.phase === 'ready' && hits.value.length === 0 && <li className="px-3 py-2 text-xs text-zinc-500">Nothing matches “{query.trim()}”.</li>}
          </ul>
        ) : (
          <ul aria-label="Saved conversations" className="space-y-0.5">
            {list.value?.map((c) => (
              <li key={c.id}>
                <button type="button" aria-current={c.id === activeId ? 'true' : undefined} className={itemClass(c.id === activeId)} onClick={() => open(c.id)}>
                  <span className="flex items-baseline justify-between gap-2">
                    <span className="truncate">{c.title}</span>
                    <span className="shrink-0 text-[0.6875rem] text-zinc-400 tabular-nums dark:text-zinc-500">{when(c.updatedAt)}</span>
                  </span>
                </button>
              </li>
            ))}
            {list.phase === 'ready' && list.value.length === 0 && <li className="px-3 py-2 text-xs text-zinc-500 dark:text-zinc-400">Your conversations appear here.</li>}
          </ul>
        )}
      </div>
    </section>
  );
}
