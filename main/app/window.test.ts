import * as electron from 'electron';
import { describe, expect, it, vi } from 'vitest';
import type { FakeElectron } from './fakeElectron';
import { createMainWindow } from './window';

vi.mock('electron', async () => (await import('./fakeElectron')).createFakeElectron());
const fake = electron as unknown as FakeElectron;

describe('main window', () => {
  const window = createMainWindow({ preload: '/app/out/preload/index.cjs', devTools: false });
  const options = fake.windows[0].options;

  it('runs the page isolated and sandboxed, with Node nowhere and the web security defaults kept', () => {
    expect(options.webPreferences).toMatchObject({
      preload: '/app/out/preload/index.cjs',
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
    });
    expect(options.webPreferences).not.toHaveProperty('enableBlinkFeatures');
    expect(options.webPreferences).not.toHaveProperty('additionalArguments');
  });

  it('turns off middle-click windows, drag-and-drop navigation and the spellchecker downloads', () => {
    expect(options.webPreferences).toMatchObject({
      disableBlinkFeatures: 'Auxclick',
      navigateOnDragDrop: false,
      spellcheck: false,
    });
  });

  it('passes the DevTools switch through', () => {
    expect(options.webPreferences?.devTools).toBe(false);
  });

  it('loads the app page from the app protocol and shows only once painted', () => {
    const created = fake.windows[0];
    expect(window).toBe(created);
    expect(created.loadURL).toHaveBeenCalledWith('app://omnidesk/index.html');
    expect(options.show).toBe(false);
    expect(created.show).not.toHaveBeenCalled();
    created.emit('ready-to-show');
    expect(created.show).toHaveBeenCalledOnce();
  });
});
