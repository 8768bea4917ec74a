/**
 * Wires the Electron app together: data folder and single-instance lock, the `app://` protocol, hardening, the
 * engine utility process, the data services (conversations, settings, models), typed IPC and the window. Main only
 * brokers: the page reaches the engine's streams through a MessagePort of its own, and engine state, turn events
 * and data events are forwarded to the window as they come.
 */
import path from 'node:path';
import {
  app,
  BrowserWindow,
  desktopCapturer,
  dialog,
  globalShortcut,
  ipcMain,
  Menu,
  MessageChannelMain,
  nativeTheme,
  protocol,
  session,
  systemPreferences,
  utilityProcess,
  webContents,
  type WebContents,
} from 'electron';
import { EngineSupervisor } from '../engine/host/supervisor';
import { APP_NAME, homePaths, resolveHome } from '../engine/home';
import { ipcChannel, STREAM_PORT_MESSAGE, type EventChannel, type EventPayload } from '../ipc/contract';
import type { Handlers } from '../ipc/dispatch';
import { registerIpc } from '../ipc/electron';
import { createHandlers } from '../ipc/handlers';
import { openServices, type Services } from '../ipc/services';
import { appTokenStore } from '../models/token/electronSafeStorage';
import { safeStorageCipher } from '../secrets/safeStorageCipher';
import { EncryptedApiKeys } from '../store/apiKeys';
import { DisplayCapture } from './displayCapture';
import { BUILDER_SERVICE_NAME, utilityProcessLauncher } from './engineProcess';
import { GlobalPushToTalk } from './globalPushToTalk';
import { hardenAllWebContents, hardenSession } from './hardening';
import { loadKeyHook, requireUiohook } from './keyHook';
import { installMenu } from './menu';
import { registerAppScheme, serveRenderer } from './protocol';
import { APP_ORIGIN } from './security';
import { createMainWindow } from './window';

/** Where electron-vite puts the pieces, relative to the folder of the built main script (out/main). */
export const builtPaths = (mainDir: string) => ({
  engine: path.join(mainDir, 'engine.js'),
  builder: path.join(mainDir, 'builder.js'),
  preload: path.join(mainDir, '..', 'preload', 'index.cjs'),
  renderer: path.join(mainDir, '..', 'renderer'),
});

async function chooseExportFolder(sender: WebContents): Promise<string | undefined> {
  const owner = BrowserWindow.fromWebContents(sender);
  const options: Electron.OpenDialogOptions = {
    title: 'Export conversation',
    buttonLabel: 'Export here',
    defaultPath: app.getPath('documents'),
    properties: ['openDirectory', 'createDirectory'],
  };
  const { canceled, filePaths } = owner ? await dialog.showOpenDialog(owner, options) : await dialog.showOpenDialog(options);
  return canceled ? undefined : filePaths[0];
}

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
  const globalPushToTalk = new GlobalPushToTalk({
    loadHook: (prompt) =>
      loadKeyHook({ platform: process.platform, env: process.env, trusted: (ask) => systemPreferences.isTrustedAccessibilityClient(ask), load: requireUiohook }, prompt),
    globalShortcut,
    mac: process.platform === 'darwin',
    press: (state) => send('pushToTalk.hotkey', { state }),
    status: (status) => send('pushToTalk.status', status),
  });
  let services: Services | undefined;

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
  const displayCapture = new DisplayCapture(desktopCapturer);
  const handlerTables = new WeakMap<WebContents, Handlers>();
  const handlersFor = (services: Services) => (sender: WebContents) => {
    let handlers = handlerTables.get(sender);
    if (!handlers) {
      handlers = createHandlers({
        engine,
        services,
        shell: 'electron',
        app: { name: APP_NAME, version: app.getVersion() },
        electron: process.versions.electron,
        openStream: (nonce) => openStream(sender, nonce),
        exportFolder: () => chooseExportFolder(sender),
        screen: displayCapture.forWindow(sender),
        hotkeyStatus: () => globalPushToTalk.status,
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
  // Quitting waits once for the data side: buffered reply text committed, download journals saved.
  let closing = false;
  app.on('will-quit', (event) => {
    engine.stop();
    globalPushToTalk.dispose();
    if (!services || closing) return;
    closing = true;
    event.preventDefault();
    void services.close().finally(() => app.quit());
  });

  app
    .whenReady()
    .then(() => {
      serveRenderer(protocol, paths.renderer);
      hardenSession(session.defaultSession, { sourceFor: (frame) => displayCapture.take(webContents.fromFrame(frame)) });
      installMenu(Menu, { platform: process.platform, packaged: app.isPackaged });
      const opened = openServices({
        home,
        engine,
        launchBuild: utilityProcessLauncher({ fork: utilityProcess.fork, app, entry: paths.builder, home, serviceName: BUILDER_SERVICE_NAME }),
        token: () => appTokenStore(homePaths(home).state).get(),
        apiKeys: new EncryptedApiKeys(homePaths(home).state, safeStorageCipher),
      });
      services = opened;
      opened.forward(send);
      // Native parts (menus, scrollbars, dialogs) follow the app's theme setting too.
      nativeTheme.themeSource = opened.settings.settings.theme;
      opened.settings.onChange((settings) => (nativeTheme.themeSource = settings.theme));
      globalPushToTalk.apply(opened.settings.settings.pushToTalk.globalHotkey);
      opened.settings.onChange((settings) => globalPushToTalk.apply(settings.pushToTalk.globalHotkey));
      registerIpc(ipcMain, handlersFor(opened), APP_ORIGIN);
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
