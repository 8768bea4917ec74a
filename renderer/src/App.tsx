import { lazy, Suspense } from 'react';
import { useStore } from 'zustand';
import { Sidebar } from './components/Sidebar';
import { useStores } from './stores/context';
import { useTheme } from './theme';
import { ConversationView } from './views/ConversationView';

// The first screen is the conversation; the other views load when first opened.
const ModelsView = lazy(() => import('./views/ModelsView'));
const SettingsView = lazy(() => import('./views/SettingsView'));

export function App() {
  const stores = useStores();
  const view = useStore(stores.navigation, (s) => s.view);
  useTheme(useStore(stores.settings, (s) => s.data.value?.settings.theme ?? 'system'));
  return (
    <div className="flex h-full">
      <Sidebar />
      <main aria-labelledby="view-title" className="flex min-w-0 flex-1 flex-col">
        <Suspense fallback={null}>
          {view === 'conversation' && <ConversationView />}
          {view === 'models' && <ModelsView />}
          {view === 'settings' && <SettingsView />}
        </Suspense>
      </main>
    </div>
  );
}
