/**
 * The main window. Its web preferences are the renderer's sandbox, written out in full (even where they equal
 * Electron's defaults) so a reader and the electronegativity scan see the whole policy in one literal.
 */
import { BrowserWindow } from 'electron';
import { APP_ENTRY_URL } from './security';
import { APP_NAME } from '../engine/home';

export interface MainWindowOptions {
  preload: string;
  /** DevTools stay available in development builds only. */
  devTools: boolean;
}

export function createMainWindow({ preload, devTools }: MainWindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    title: APP_NAME,
    width: 1100,
    height: 760,
    minWidth: 640,
    minHeight: 480,
    show: false,
    backgroundColor: '#111318',
    webPreferences: {
      preload,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      // A middle click would otherwise try to open a link in a new window.
      disableBlinkFeatures: 'Auxclick',
      // Chromium's spellchecker fetches dictionaries from Google; a private assistant makes no such calls.
      spellcheck: false,
      devTools,
    },
  });
  window.once('ready-to-show', () => window.show());
  window.loadURL(APP_ENTRY_URL).catch((error: unknown) => console.error(`Omnidesk: could not load the app page: ${String(error)}`));
  return window;
}
