import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createFakeElectron, fakeSource, type FakeElectron } from './fakeElectron';
import { invokeChannels } from '../ipc/contract';

let HOME: string;
const MAIN_DIR = path.resolve('/app/out/main');

let electron: FakeElectron;

/** Lets promise callbacks run (app.whenReady, engine replies) without relying on timers, which a test may fake. */
const settle = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/** A fresh fake Electron and a fresh app for every test: the app wires itself up at start. */
async function start({ lock = true } = {}) {
  vi.resetModules();
  electron = createFakeElectron();
  vi.doMock('electron', () => electron);
  electron.app.requestSingleInstanceLock.mockReturnValue(lock);
  const { startOmnidesk } = await import('./lifecycle');
  startOmnidesk(MAIN_DIR);
  await settle();
  return electron;
}

const engineChild = () => electron.utilityProcesses[0];
const window = () => electron.windows[0];
const engineReady = async () => {
  engineChild().emit('message', { kind: 'ready', pid: 4242 });
  await settle();
};
const invoke = (channel: string, payload: unknown, frame: { url: string; parent: unknown } = { url: 'app://omnidesk/index.html', parent: null }) =>
  electron.ipcHandlers.get(`omnidesk:${channel}`)!({ senderFrame: frame, sender: window().webContents }, payload);

beforeEach(() => {
  // The app opens its conversation database and settings in the home folder: a fresh one per test.
  HOME = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-lifecycle-'));
  vi.stubEnv('OMNIDESK_HOME', HOME);
});
afterEach(() => {
  vi.unstubAllEnvs();
  app()?.emit('will-quit', { preventDefault: vi.fn() });
  rmSync(HOME, { recursive: true, force: true });
});

const app = () => electron?.app;

describe('app start', () => {
  it('uses the Omnidesk home as userData, set before the single-instance lock that lives there', async () => {
    const { app } = await start();
    expect(app.setName).toHaveBeenCalledWith('Omnidesk');
    expect(app.setPath).toHaveBeenCalledWith('userData', HOME);
    expect(app.setPath.mock.invocationCallOrder[0]).toBeLessThan(app.requestSingleInstanceLock.mock.invocationCallOrder[0]);
  });

  it('quits at once as a second instance, touching nothing', async () => {
    const { app, protocol, utilityProcess } = await start({ lock: false });
    expect(app.quit).toHaveBeenCalled();
    expect(protocol.registerSchemesAsPrivileged).not.toHaveBeenCalled();
    expect(utilityProcess.fork).not.toHaveBeenCalled();
    expect(electron.windows).toHaveLength(0);
  });

  it('registers the app scheme before ready and serves the built renderer from it after', async () => {
    const { protocol, app } = await start();
    expect(protocol.registerSchemesAsPrivileged.mock.invocationCallOrder[0]).toBeLessThan(
      app.whenReady.mock.invocationCallOrder[0],
    );
    expect(protocol.handle).toHaveBeenCalledWith('app', expect.any(Function));
  });

  it('hardens every web contents and the default session', async () => {
    const { app, session } = await start();
    expect(app.listenerCount('web-contents-created')).toBe(1);
    expect(session.defaultSession.setPermissionRequestHandler).toHaveBeenCalledWith(expect.any(Function));
    expect(session.defaultSession.setPermissionCheckHandler).toHaveBeenCalledWith(expect.any(Function));
    expect(session.defaultSession.setDisplayMediaRequestHandler).toHaveBeenCalledWith(expect.any(Function));
    expect(session.defaultSession.webRequest.onHeadersReceived).toHaveBeenCalledWith(expect.any(Function));
  });

  it('installs its own application menu, with DevTools in development', async () => {
    const { Menu } = await start();
    expect(Menu.setApplicationMenu).toHaveBeenCalledOnce();
    expect(JSON.stringify(Menu.buildFromTemplate.mock.calls[0])).toContain('toggleDevTools');
  });

  it('quits when the last window closes, except on macOS where apps stay open', async () => {
    const { app } = await start();
    app.emit('window-all-closed');
    expect(app.quit).toHaveBeenCalledTimes(process.platform === 'darwin' ? 0 : 1);
  });

  it('registers exactly the contract channels on ipcMain', async () => {
    await start();
    expect([...electron.ipcHandlers.keys()].sort()).toEqual(Object.keys(invokeChannels).map((c) => `omnidesk:${c}`).sort());
  });

  it('starts the engine as a utility process from out/main/engine.js, with the app home and no NODE_OPTIONS', async () => {
    vi.stubEnv('NODE_OPTIONS', '--require ./inject.js');
    const { utilityProcess } = await start();
    expect(utilityProcess.fork).toHaveBeenCalledOnce();
    const [entry, args, options] = utilityProcess.fork.mock.calls[0] as unknown as [
      string,
      string[],
      { serviceName: string; env: Record<string, string> },
    ];
    expect(entry).toBe(path.join(MAIN_DIR, 'engine.js'));
    expect(args).toEqual([]);
    expect(options.serviceName).toBe('Omnidesk Engine');
    expect(options.env.OMNIDESK_HOME).toBe(HOME);
    expect(options.env).not.toHaveProperty('NODE_OPTIONS');
  });

  it('opens the window with the CommonJS preload built next to main', async () => {
    await start();
    expect(electron.windows).toHaveLength(1);
    expect(window().options.webPreferences?.preload).toBe(path.resolve('/app/out/preload/index.cjs'));
    expect(window().options.webPreferences?.devTools).toBe(true);
  });
});

describe('engine and window', () => {
  it('reports the engine state to the window as it changes', async () => {
    await start();
    await engineReady();
    expect(window().webContents.send).toHaveBeenCalledWith('omnidesk:engine.state', { state: 'ready', restarts: 0 });
  });

  it('forwards turn events to the window', async () => {
    await start();
    await engineReady();
    engineChild().emit('message', { kind: 'turn', event: { type: 'text-delta', turnId: 't1', text: 'Hi' } });
    expect(window().webContents.send).toHaveBeenCalledWith('omnidesk:turn.event', { type: 'text-delta', turnId: 't1', text: 'Hi' });
  });

  it('sends nothing to a window that is gone', async () => {
    await start();
    window().destroyed = true;
    await engineReady();
    expect(window().webContents.send).not.toHaveBeenCalled();
  });

  it('connects a stream port directly between the page and the engine', async () => {
    await start();
    await engineReady();
    await expect(invoke('engine.openStream', { nonce: 'n-1' })).resolves.toEqual({ ok: true, value: { nonce: 'n-1' } });
    const [message, transfer] = engineChild().postMessage.mock.calls.at(-1)!;
    expect(message).toEqual({ kind: 'attach-stream', streamId: 1 });
    expect(transfer).toEqual([expect.objectContaining({ name: 'port1' })]);
    expect(window().webContents.postMessage).toHaveBeenCalledWith('omnidesk:engine-stream', 'n-1', [
      expect.objectContaining({ name: 'port2' }),
    ]);
  });

  it('refuses a stream while the engine is starting, and closes both ports', async () => {
    await start();
    const result = (await invoke('engine.openStream', { nonce: 'n-2' })) as { ok: boolean; error: { code: string } };
    expect(result).toMatchObject({ ok: false, error: { code: 'ENGINE_UNAVAILABLE' } });
    expect(window().webContents.postMessage).not.toHaveBeenCalled();
  });

  it('refuses a stream asked for by a foreign frame', async () => {
    await start();
    await engineReady();
    const result = await invoke('engine.openStream', { nonce: 'n-3' }, { url: 'https://evil.example/', parent: null });
    expect(result).toMatchObject({ ok: false, error: { code: 'FORBIDDEN_SENDER' } });
    expect(engineChild().postMessage).not.toHaveBeenCalled();
  });

  it('answers system.info from the engine, naming the Electron shell', async () => {
    await start();
    await engineReady();
    const pending = invoke('system.info', {});
    const [request] = engineChild().postMessage.mock.calls.at(-1)!;
    expect(request).toMatchObject({ kind: 'request', method: 'system.info' });
    const engine = {
      pid: 4242,
      node: '22.20.0',
      platform: 'linux',
      arch: 'x64',
      cpus: 2,
      totalMemoryBytes: 2 ** 34,
      onnxruntime: { version: '1.30.0' },
      executionProviders: [],
    };
    engineChild().emit('message', { kind: 'response', id: request.id, ok: true, result: engine });
    const result = (await pending) as { ok: boolean; value?: { shell: string; app: { name: string } } };
    if (!result.ok) return expect.fail(`system.info failed: ${JSON.stringify(result)}`);
    expect(result.value).toMatchObject({ shell: 'electron', app: { name: 'Omnidesk' } });
  });

  it('stops the engine when the app quits, and quits for good once the data side is closed', async () => {
    const { app } = await start();
    await engineReady();
    const quitting = { preventDefault: vi.fn() };
    app.emit('will-quit', quitting);
    expect(engineChild().kill).toHaveBeenCalled();
    expect(quitting.preventDefault).toHaveBeenCalledOnce();
    await vi.waitFor(() => expect(app.quit).toHaveBeenCalledOnce());
    const again = { preventDefault: vi.fn() };
    app.emit('will-quit', again);
    expect(again.preventDefault).not.toHaveBeenCalled();
  });

  it('finds the model builder built next to main, to start as a utility process of its own', async () => {
    const { builtPaths } = await import('./lifecycle');
    expect(builtPaths(MAIN_DIR).builder).toBe(path.join(MAIN_DIR, 'builder.js'));
  });

  it('follows the theme setting in native parts of the window', async () => {
    const { nativeTheme } = await start();
    expect(nativeTheme.themeSource).toBe('system');
    await invoke('settings.set', { theme: 'dark' });
    expect(nativeTheme.themeSource).toBe('dark');
    expect(window().webContents.send).toHaveBeenCalledWith('omnidesk:settings.changed', expect.objectContaining({ theme: 'dark' }));
  });

  it('restarts a crashed engine without touching the window', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      await start();
      await engineReady();
      engineChild().emit('exit', 139);
      expect(window().webContents.send).toHaveBeenCalledWith(
        'omnidesk:engine.state',
        expect.objectContaining({ state: 'crashed', retryInMs: 500 }),
      );
      vi.advanceTimersByTime(500);
      expect(electron.utilityProcesses).toHaveLength(2);
      expect(window().destroyed).toBe(false);
    } finally {
      vi.useRealTimers();
    }
  });

  it('brings the existing window forward when a second instance starts', async () => {
    const { app } = await start();
    window().isMinimized.mockReturnValue(true);
    app.emit('second-instance');
    expect(window().restore).toHaveBeenCalled();
    expect(window().focus).toHaveBeenCalled();
  });
});

describe('screen capture by the user’s choice', () => {
  /** The session's answer to a getDisplayMedia request of the app page: the stream to grant, or null. */
  const displayMedia = (frame: unknown = window().webContents.mainFrame) =>
    new Promise<unknown>((resolve) => {
      const [handler] = electron.session.defaultSession.setDisplayMediaRequestHandler.mock.calls[0] as unknown as [(request: object, callback: (streams: unknown) => void) => void];
      handler({ frame, securityOrigin: 'app://omnidesk', videoRequested: true, audioRequested: false, userGesture: true }, resolve);
    });
  const listed = async () => {
    await start();
    electron.desktopSources.push(fakeSource('screen:1:0', 'Entire screen'), fakeSource('window:42:0', 'Notes'));
    return electron.desktopSources;
  };

  it('lists the screens and windows to the window over screen.sources', async () => {
    await listed();
    const result = (await invoke('screen.sources', {})) as { ok: true; value: { sources: Array<{ id: string; kind: string }> } };
    expect(result.value.sources.map(({ id, kind }) => [id, kind])).toEqual([['screen:1:0', 'screen'], ['window:42:0', 'window']]);
  });

  it('grants exactly the chosen source to that window’s next request, then forgets it', async () => {
    const sources = await listed();
    await expect(invoke('screen.choose', { sourceId: 'window:42:0' })).resolves.toEqual({ ok: true, value: { sourceId: 'window:42:0', validForMs: 15_000 } });
    await expect(displayMedia()).resolves.toEqual({ video: sources[1] });
    await expect(displayMedia()).resolves.toBeNull();
  });

  it('denies a request without a choice: no screen is shared by default', async () => {
    await listed();
    await expect(displayMedia()).resolves.toBeNull();
  });

  it('denies a source id that desktopCapturer does not list, when chosen and when it is gone by the request', async () => {
    const sources = await listed();
    await expect(invoke('screen.choose', { sourceId: 'window:99:0' })).resolves.toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST' } });
    await expect(displayMedia()).resolves.toBeNull();
    await invoke('screen.choose', { sourceId: 'window:42:0' });
    sources.splice(1, 1);
    await expect(displayMedia()).resolves.toBeNull();
  });

  it('refuses a malformed source id by its field', async () => {
    await listed();
    const result = (await invoke('screen.choose', { sourceId: 'file:///etc/passwd' })) as { ok: false; error: { message: string } };
    expect(result.error.message).toMatch(/sourceId: must be a screen or window id/);
  });
});

describe('global push-to-talk', () => {
  it('is off until set; set, it tells the window of each press, and quitting unregisters it', async () => {
    // Wayland: no key hook, so the globalShortcut toggle listens (and nothing native loads in the test).
    vi.stubEnv('WAYLAND_DISPLAY', 'wayland-0');
    const { globalShortcut } = await start();
    expect(globalShortcut.register).not.toHaveBeenCalled();
    await expect(invoke('pushToTalk.status', {})).resolves.toEqual({ ok: true, value: { mode: 'off' } });

    await invoke('settings.set', { pushToTalk: { globalHotkey: 'CommandOrControl+Shift+K' } });
    const [accelerator, press] = globalShortcut.register.mock.calls[0];
    expect(accelerator).toBe('CommandOrControl+Shift+K');
    expect(window().webContents.send).toHaveBeenCalledWith('omnidesk:pushToTalk.status', { mode: 'toggle', detail: expect.stringContaining('Wayland') });
    press();
    expect(window().webContents.send).toHaveBeenCalledWith('omnidesk:pushToTalk.hotkey', { state: 'toggle' });
    await expect(invoke('pushToTalk.status', {})).resolves.toMatchObject({ ok: true, value: { mode: 'toggle' } });

    app().emit('will-quit', { preventDefault: vi.fn() });
    expect(globalShortcut.unregister).toHaveBeenCalledWith('CommandOrControl+Shift+K');
    expect(window().webContents.send).toHaveBeenLastCalledWith('omnidesk:pushToTalk.hotkey', { state: 'up' });
  });
});
