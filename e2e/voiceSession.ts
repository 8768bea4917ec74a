/**
 * What the voice e2e files share: a session whose page has the bridge proxy and a window on the playback
 * worklet, and the polling helpers.
 */
import type { Locator, Page } from 'playwright-core';
import { expect } from 'vitest';
import { openProxiedPage, type BridgeProxy } from './bridgeProxy';
import { startPreviewSession, type PreviewSession } from './harness';

/** A message the playback worklet posted, as the page saw it. */
export interface WorkletReport {
  type: 'started' | 'finished';
  track: string;
  samplesPlayed?: number;
  interrupted?: boolean;
  stats?: { underruns: number; padSamples: number; refusedSamples: number };
}

export const SPEECH_RATE = 24_000;

export const poll = <T>(read: () => Promise<T> | T, timeout = 20_000) => expect.poll(read, { timeout, interval: 50 });
export const text = (locator: Locator) => poll(() => locator.innerText());
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Holds the talk key for `ms` of listening, counted from when the page says it listens (as a user starts speaking
 * once it does): a busy machine can take a second to open the microphone, and a hold that ends before it is open
 * is "too short" and sends nothing.
 */
export async function holdToTalk(page: Page, ms: number): Promise<void> {
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.down('Space');
  await text(page.getByRole('status', { name: 'Voice' })).toBe('Listening…');
  await sleep(ms);
  await page.keyboard.up('Space');
}

/** Runs in the page before the app: keeps every message the playback worklet posts. */
function observePlaybackWorklet() {
  const reports: unknown[] = [];
  Object.assign(window, { playbackReports: reports });
  const Native = window.AudioWorkletNode;
  window.AudioWorkletNode = class extends Native {
    constructor(context: BaseAudioContext, name: string, options?: AudioWorkletNodeOptions) {
      super(context, name, options);
      if (name === 'omnidesk-playback') this.port.addEventListener('message', (event) => reports.push(event.data));
    }
  };
}

export interface VoiceSession {
  session: PreviewSession;
  page: Page;
  proxy: BridgeProxy;
  /** Everything the playback worklet reported so far. */
  reports(): Promise<WorkletReport[]>;
}

/** A preview session and its page, ready once the engine is; `prepare` runs before the page opens. */
export async function openVoiceSession(prepare?: (session: PreviewSession) => Promise<void>): Promise<VoiceSession> {
  const session = await startPreviewSession();
  await prepare?.(session);
  const { page, proxy } = await openProxiedPage(session, async (p) => void (await p.addInitScript(observePlaybackWorklet)));
  await page.getByRole('status', { name: 'Engine status' }).filter({ hasText: 'Engine: Ready' }).waitFor();
  const reports = () => page.evaluate(() => (window as unknown as { playbackReports: WorkletReport[] }).playbackReports);
  return { session, page, proxy, reports };
}
