/**
 * Runs the real renderer against the real engine without Electron: the preview server in this process, and the
 * system's Debian Chromium (headless, fake media devices) driven by playwright-core. Whatever fails half-way,
 * everything started so far is stopped again.
 *
 * The fake microphone plays a committed speech fixture in a loop; the fake camera plays a test pattern that
 * ffmpeg makes at start (a y4m is too big to commit), or Chromium's own moving pattern where ffmpeg is missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { startPreviewServer, type PreviewServer, type PreviewServerOptions } from '../main/preview/server';

const RENDERER_DIR = fileURLToPath(new URL('../out/renderer', import.meta.url));
export const SCREENSHOTS_DIR = fileURLToPath(new URL('./screenshots', import.meta.url));

/** A screenshot of the page as a person sees it, under e2e/screenshots/<name>.png. */
export const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${name}.png`), animations: 'disabled' });
/** "Can you hear me?", 1.24 s at 48 kHz mono (models/fixtures/media/manifest.json). */
export const FAKE_MIC_WAV = fileURLToPath(new URL('../models/fixtures/media/speech_48k_mono.wav', import.meta.url));

/** Flags verified with Debian's Chromium in environment.md §6. */
const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];

/** One second of ffmpeg's testsrc at 320×240, 10 fps (1.1 MB), or undefined without ffmpeg. */
function makeFakeCameraVideo(dir: string): string | undefined {
  const file = path.join(dir, 'camera.y4m');
  try {
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc=size=320x240:rate=10', '-t', '1', '-pix_fmt', 'yuv420p', file], {
      stdio: 'ignore',
      timeout: 20_000,
    });
    return file;
  } catch {
    return undefined;
  }
}

function chromiumPath(): string {
  const found = process.env.CHROMIUM_PATH ?? execFileSync('sh', ['-c', 'command -v chromium || true'], { encoding: 'utf8' }).trim();
  if (!found) throw new Error('No Chromium found: install it with "apt-get install -y chromium" or set CHROMIUM_PATH');
  return found;
}

export interface PreviewSession {
  server: PreviewServer;
  browser: Browser;
  /** The server's data folder (conversations, settings, models), removed at close. */
  home: string;
  /**
   * Opens the app in a fresh page; `url` defaults to the server's tokenised address. `beforeLoad` runs before
   * the app does (to route its WebSocket, say).
   */
  open(options?: BrowserContextOptions & { url?: string; beforeLoad?: (page: Page) => Promise<void> }): Promise<Page>;
  /** Whether the camera shows the ffmpeg test pattern rather than Chromium's built-in one. */
  cameraFromFile: boolean;
  /** Console errors, uncaught exceptions and failed requests of every page, CSP violations included. */
  pageErrors: string[];
  close(): Promise<void>;
}

export interface PreviewSessionOptions extends Pick<PreviewServerOptions, 'models'> {
  /** Fills the data folder before the server starts (a model installed before Omnidesk starts). */
  prepareHome?: (home: string) => Promise<void>;
}

/** `models` points the model manager at a fake Hub and catalog (models e2e). */
export async function startPreviewSession({ prepareHome, ...options }: PreviewSessionOptions = {}): Promise<PreviewSession> {
  if (!existsSync(path.join(RENDERER_DIR, 'index.html'))) {
    throw new Error(`No built renderer in ${RENDERER_DIR}: run "npx electron-vite build" (npm test does it first)`);
  }
  const home = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-e2e-'));
  const cleanup: Array<() => Promise<unknown> | unknown> = [() => rmSync(home, { recursive: true, force: true })];
  const close = async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  };
  try {
    await prepareHome?.(home);
    const server = await startPreviewServer({ rendererDir: RENDERER_DIR, home, ...options });
    cleanup.push(() => server.close());
    const camera = makeFakeCameraVideo(home);
    const media = [`--use-file-for-fake-audio-capture=${FAKE_MIC_WAV}`, ...(camera ? [`--use-file-for-fake-video-capture=${camera}`] : [])];
    const browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: [...CHROMIUM_ARGS, ...media] });
    cleanup.push(() => browser.close());
    const pageErrors: string[] = [];
    const open: PreviewSession['open'] = async ({ url = server.url, beforeLoad, ...options } = {}) => {
      const page = await browser.newPage({ viewport: { width: 1180, height: 760 }, ...options });
      page.setDefaultTimeout(20_000);
      page.on('console', (message) => {
        if (message.type() === 'error') pageErrors.push(message.text());
      });
      page.on('pageerror', (error) => pageErrors.push(error.message));
      page.on('response', (response) => {
        if (response.status() >= 400) pageErrors.push(`HTTP ${response.status()} for ${response.url()}`);
      });
      await beforeLoad?.(page);
      await page.goto(url);
      return page;
    };
    return { server, browser, home, open, pageErrors, cameraFromFile: camera !== undefined, close };
  } catch (error) {
    await close();
    throw error;
  }
}
