/**
 * Test double of the parts of the `electron` module that main/app uses. No Electron binary runs on the CI
 * machines, so the wiring is checked against this: `vi.mock('electron', () => import('./fakeElectron').then(m =>
 * m.createFakeElectron()))`. Each call builds fresh state.
 */
import { EventEmitter } from 'node:events';
import { vi } from 'vitest';
import type { BrowserWindowConstructorOptions } from 'electron';

export class FakeWebContents extends EventEmitter {
  /** The app page's top frame, as a display-media request names it. */
  mainFrame = { url: 'app://omnidesk/index.html', parent: null };
  send = vi.fn();
  postMessage = vi.fn();
  setWindowOpenHandler = vi.fn();
}

export class FakeUtilityProcess extends EventEmitter {
  postMessage = vi.fn();
  kill = vi.fn(() => {
    queueMicrotask(() => this.emit('exit', 0));
    return true;
  });
}

/** A NativeImage whose PNG encoding is the bytes it was made with; `resize` records the width asked for. */
export class FakeNativeImage {
  constructor(
    readonly png: number[],
    readonly width?: number,
  ) {}
  isEmpty = () => this.png.length === 0;
  toPNG = () => Buffer.from(this.width ? [...this.png, this.width] : this.png);
  resize = ({ width }: { width: number }) => new FakeNativeImage(this.png, width);
}

/** A desktopCapturer source: a screen, or a window with its application's icon. */
export const fakeSource = (id: string, name: string, icon: number[] = []) => ({
  id,
  name,
  display_id: id.startsWith('screen:') ? id.split(':')[1] : '',
  thumbnail: new FakeNativeImage([1, 2, 3]),
  appIcon: new FakeNativeImage(icon),
});

export class FakePort {
  close = vi.fn();
  constructor(readonly name: string) {}
}

export function createFakeElectron() {
  const windows: FakeBrowserWindow[] = [];
  const utilityProcesses: FakeUtilityProcess[] = [];
  const ipcHandlers = new Map<string, (event: unknown, payload: unknown) => Promise<unknown>>();
  /** What desktopCapturer lists now: the screens and windows a test puts here. */
  const desktopSources: Array<ReturnType<typeof fakeSource>> = [];

  class FakeBrowserWindow extends EventEmitter {
    static getAllWindows = () => windows.filter((window) => !window.destroyed);
    static fromWebContents = (contents: unknown) => windows.find((window) => window.webContents === contents) ?? null;
    webContents = new FakeWebContents();
    destroyed = false;
    loadURL = vi.fn(async () => undefined);
    show = vi.fn();
    focus = vi.fn();
    restore = vi.fn();
    isMinimized = vi.fn(() => false);
    isDestroyed = () => this.destroyed;
    constructor(readonly options: BrowserWindowConstructorOptions) {
      super();
      windows.push(this);
    }
  }

  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    setName: vi.fn(),
    setPath: vi.fn(),
    getVersion: () => '0.1.0',
    getPath: vi.fn((name: string) => `/fake/${name}`),
    requestSingleInstanceLock: vi.fn(() => true),
    quit: vi.fn(),
    exit: vi.fn(),
    whenReady: vi.fn(() => Promise.resolve()),
  });

  return {
    app,
    BrowserWindow: FakeBrowserWindow,
    windows,
    utilityProcesses,
    ipcHandlers,
    desktopSources,
    ipcMain: {
      handle: vi.fn((channel: string, handler: (event: unknown, payload: unknown) => Promise<unknown>) =>
        ipcHandlers.set(channel, handler),
      ),
      removeHandler: vi.fn((channel: string) => ipcHandlers.delete(channel)),
    },
    utilityProcess: {
      fork: vi.fn(() => {
        const child = new FakeUtilityProcess();
        utilityProcesses.push(child);
        return child;
      }),
    },
    MessageChannelMain: class {
      port1 = new FakePort('port1');
      port2 = new FakePort('port2');
    },
    protocol: { registerSchemesAsPrivileged: vi.fn(), handle: vi.fn() },
    session: {
      defaultSession: {
        setPermissionRequestHandler: vi.fn(),
        setPermissionCheckHandler: vi.fn(),
        setDisplayMediaRequestHandler: vi.fn(),
        webRequest: { onHeadersReceived: vi.fn() },
      },
    },
    Menu: { buildFromTemplate: vi.fn((template: unknown) => ({ template })), setApplicationMenu: vi.fn() },
    globalShortcut: { register: vi.fn((_accelerator: string, _callback: () => void) => true), unregister: vi.fn((_accelerator: string) => undefined) },
    systemPreferences: { isTrustedAccessibilityClient: vi.fn((_prompt: boolean) => false) },
    desktopCapturer: { getSources: vi.fn(async (_options: Electron.SourcesOptions) => [...desktopSources]) },
    webContents: { fromFrame: (frame: unknown) => windows.find((window) => window.webContents.mainFrame === frame)?.webContents },
    dialog: { showOpenDialog: vi.fn(async () => ({ canceled: true, filePaths: [] as string[] })) },
    nativeTheme: { themeSource: 'system' as 'system' | 'light' | 'dark' },
  };
}

export type FakeElectron = ReturnType<typeof createFakeElectron>;
