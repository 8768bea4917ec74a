import type { ComponentType } from 'react';
import { useStore } from 'zustand';
import { useStores } from '../stores/context';
import type { View } from '../stores/navigation';
import { ConversationList } from './conversations/ConversationList';
import { EngineStatus } from './EngineStatus';
import { ChatIcon, ModelIcon, SettingsIcon } from './icons';

const ITEMS: Array<{ view: View; label: string; Icon: ComponentType<{ className?: string }> }> = [
  { view: 'conversation', label: 'Conversation', Icon: ChatIcon },
  { view: 'models', label: 'Models', Icon: ModelIcon },
  { view: 'settings', label: 'Settings', Icon: SettingsIcon },
];

export function Sidebar() {
  const navigation = useStores().navigation;
  const current = useStore(navigation, (s) => s.view);
  const show = useStore(navigation, (s) => s.show);
  return (
    <aside className="flex w-64 shrink-0 flex-col border-r border-zinc-200 bg-zinc-50 select-none dark:border-zinc-800/80 dark:bg-zinc-900/50">
      <div className="flex items-center gap-2.5 px-5 pt-5 pb-6">
        <span className="size-6 rounded-lg bg-gradient-to-br from-accent-400 to-accent-700 shadow-sm" aria-hidden="true" />
        <span className="text-[0.95rem] font-semibold tracking-tight">Omnidesk</span>
      </div>
      <nav aria-label="Sections" className="px-3">
        <ul className="space-y-0.5">
          {ITEMS.map(({ view, label, Icon }) => {
            const active = view === current;
            return (
              <li key={view}>
                <button
                  type="button"
                  aria-current={active ? 'page' : undefined}
                  onClick={() => show(view)}
                  className={`flex w-full items-center gap-2.5 rounded-lg px-3 py-2 text-sm transition-colors ${
                    active
                      ? 'bg-white font-medium text-zinc-900 shadow-xs ring-1 ring-zinc-200 dark:bg-zinc-800 dark:text-zinc-50 dark:ring-zinc-700/60'
                      : 'text-zinc-600 hover:bg-zinc-200/60 hover:text-zinc-900 dark:text-zinc-400 dark:hover:bg-zinc-800/60 dark:hover:text-zinc-100'
                  }`}
                >
                  <Icon className={`size-4 ${active ? 'text-accent-600 dark:text-accent-400' : ''}`} />
                  {label}
                </button>
              </li>
            );
          })}
        </ul>
      </nav>
      <ConversationList />
      <div className="border-t border-zinc-200 p-2 dark:border-zinc-800/80">
        <EngineStatus />
      </div>
    </aside>
  );
}
