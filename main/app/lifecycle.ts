/**
 * Wires the Electron app together: data folder and single-instance lock, the `app://` protocol, hardening, the
 * engine utility process, typed IPC and the window. Main only brokers: the page reaches the engine's streams
 * through a MessagePort of its own, and engine state and turn events are forwarded to the window as they come.
 */
import path from 'node:path';
import {
  app,
  BrowserWindow,
  desktopCapturer,
  ipcMain,
  Menu,
  MessageChannelMain,
  protocol,
  screen,
  session,
  utilityProcess,
  type WebContents,
} from 'electron';
import { EngineSupervisor } from '../engine/host/supervisor';
import { APP_NAME, homePaths, resolveHome } from '../engine/home';
import { ipcChannel, STREAM_PORT_MESSAGE, type EventChannel, type EventPayload } from '../ipc/contract';
import type { Handlers } from '../ipc/dispatch';
import { registerIpc } from '../ipc/electron';
import { createHandlers } from '../ipc/handlers';
import { utilityProcessLauncher } from './engineProcess';
import { hardenAllWebContents, hardenSession } from './hardening';
import { installMenu } from './menu';
import { registerAppScheme, serveRenderer } from './protocol';
import { APP_ORIGIN } from './security';
import { createMainWindow } from './window';

/** Where electron-vite puts the pieces, relative to the folder of the built main script (out/main). */
export const builtPaths = (mainDir: string) => ({
  engine: path.join(mainDir, 'engine.js'),
  preload: path.join(mainDir, '..', 'preload', 'index.cjs'),
  renderer: path.join(mainDir, '..', 'renderer'),
});

export function startOmnidesk(mainDir: string): void {
  const paths = builtPaths(mainDir);
  const home = resolveHome();
  app.setName(APP_NAME);
  // Before the single-instance lock, which lives in userData: the app and the CLI share this one folder.
  app.setPath('userData', home);
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme(protocol);
  hardenAllWebContents(app);

  const engine = new EngineSupervisor({
    launch: utilityProcessLauncher({ fork: utilityProcess.fork, app, entry: paths.engine, home }),
  });
  let window: BrowserWindow | undefined;
  const live = () => (window && !window.isDestroyed() ? window : undefined);

  const send = <E extends EventChannel>(channel: E, payload: EventPayload<E>) =>
    live()?.webContents.send(ipcChannel(channel), payload);
  engine.onState((state) => send('engine.state', state));
  engine.onTurn((event) => send('turn.event', event));

  const openStream = (sender: WebContents, nonce: string) => {
    const { port1, port2 } = new MessageChannelMain();
    try {
      engine.attachPort(port1);
    } catch (error) {
      port1.close();
      port2.close();
      throw error;
    }
    sender.postMessage(STREAM_PORT_MESSAGE, nonce, [port2]);
  };
  const handlerTables = new WeakMap<WebContents, Handlers>();
  const handlersFor = (sender: WebContents) => {
    let handlers = handlerTables.get(sender);
    if (!handlers) {
      handlers = createHandlers({
        engine,
        shell: 'electron',
        app: { name: APP_NAME, version: app.getVersion() },
        electron: process.versions.electron,
        modelsDir: homePaths(home).models,
        openStream: (nonce) => openStream(sender, nonce),
      });
      handlerTables.set(sender, handlers);
    }
    return handlers;
  };

  const openWindow = () => {
    window = createMainWindow({ preload: paths.preload, devTools: !app.isPackaged });
  };
  app.on('second-instance', () => {
    const current = live();
    if (!current) return;
    if (current.isMinimized()) current.restore();
    current.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', () => engine.stop());

  app
    .whenReady()
    .then(() => {
      serveRenderer(protocol, paths.renderer);
      hardenSession(session.defaultSession, { desktopCapturer, screen });
      installMenu(Menu, { platform: process.platform, packaged: app.isPackaged });
      registerIpc(ipcMain, handlersFor, APP_ORIGIN);
      engine.start();
      openWindow();
      app.on('activate', () => {
        if (BrowserWindow.getAllWindows().length === 0) openWindow();
      });
    })
    .catch((error: unknown) => {
      console.error(`Omnidesk could not start: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      app.exit(1);
    });
}
