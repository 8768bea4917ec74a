import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { createAppStores } from './stores';
import { StoresContext } from './stores/context';
import './styles.css';

async function start() {
  // Only a plain browser lacks the preload's API; the desktop app never downloads the preview bridge.
  const api = window.omnidesk ?? (await import('./bridge/preview')).installPreviewBridge(window);
  const root = document.getElementById('root');
  if (!root) throw new Error('index.html has no #root element');
  createRoot(root).render(
    <StrictMode>
      <StoresContext.Provider value={createAppStores(api)}>
        <App />
      </StoresContext.Provider>
    </StrictMode>,
  );
}

void start();
