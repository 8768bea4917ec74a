/**
 * The screenshot control in the browser preview: without a source list from main it hands over to the browser's
 * own getDisplayMedia picker (answered by Chromium's fake UI here); with one — played by the bridge proxy, as the
 * desktop app's main would list them — it opens the screen and window picker, which is used by keyboard alone.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProxiedPage, type BridgeProxy } from './bridgeProxy';
import { shot, startPreviewSession, type PreviewSession } from './harness';
import { poll } from './voiceSession';

const fixture = (name: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(`../models/fixtures/media/${name}`, import.meta.url))));
const SOURCES = [
  { id: 'screen:1:0', name: 'Entire screen', kind: 'screen', thumbnail: fixture('image_mult32_96x64.png') },
  { id: 'window:42:0', name: 'Notes — trip.md', kind: 'window', thumbnail: fixture('image_odd_75x53.png'), icon: fixture('image_gray_50x50.png') },
  { id: 'window:43:0', name: 'Terminal', kind: 'window', thumbnail: fixture('image_rgba_77x45.png') },
];

describe('the screen and window picker', () => {
  let session: PreviewSession;
  let page: Page;
  let proxy: BridgeProxy;

  beforeAll(async () => {
    session = await startPreviewSession();
    ({ page, proxy } = await openProxiedPage(session));
  });
  afterAll(() => session?.close());

  const picker = () => page.getByRole('dialog', { name: 'Share a screen or window' });
  const tray = () => page.getByRole('list', { name: 'Attachments' });
  const focused = () => page.evaluate(() => document.activeElement?.textContent);

  it('hands over to the browser’s own picker where main lists no sources', async () => {
    await page.getByRole('button', { name: 'Attach screenshot' }).click();
    await poll(() => tray().getByRole('listitem').count()).toBe(1);
    expect(await tray().innerText()).toMatch(/Screenshot \d\d:\d\d:\d\d\.png/);
    expect(proxy.invokes('screen.sources')).toEqual([{}]);
    expect(await picker().count()).toBe(0);
    await tray().getByRole('button', { name: /^Remove Screenshot/ }).click();
  });

  it('lists the sources by name in a dialog that arrow keys move through and Escape closes, choosing nothing', async () => {
    proxy.answer('screen.sources', () => ({ ok: true, value: { sources: SOURCES } }));
    await page.getByRole('button', { name: 'Attach screenshot' }).click();
    await picker().waitFor();
    const grid = picker().getByRole('list', { name: 'Screens and windows' });
    expect(await grid.getByRole('button').allInnerTexts()).toEqual(['Entire screen', 'Notes — trip.md', 'Terminal']);
    expect(await focused()).toBe('Entire screen');
    await page.keyboard.press('ArrowRight');
    expect(await focused()).toBe('Notes — trip.md');
    await page.keyboard.press('End');
    expect(await focused()).toBe('Terminal');
    await page.keyboard.press('Home');
    expect(await focused()).toBe('Entire screen');
    // One tab stop for the grid: Tab leaves it for Cancel.
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Cancel');
    await shot(page, 'screen-picker');
    await page.keyboard.press('Escape');
    await picker().waitFor({ state: 'hidden' });
    expect(proxy.invokes('screen.choose')).toEqual([]);
    expect(await tray().count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))).toBe('Attach screenshot');
  });

  it('names the chosen window to main and attaches the screenshot that follows', async () => {
    proxy.answer('screen.choose', (payload) => ({ ok: true, value: { sourceId: payload.sourceId, validForMs: 15_000 } }));
    await page.getByRole('button', { name: 'Attach screenshot' }).click();
    await picker().waitFor();
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await poll(() => tray().getByRole('listitem').count()).toBe(1);
    expect(proxy.invokes('screen.choose')).toEqual([{ sourceId: 'window:42:0' }]);
    expect(await picker().isVisible()).toBe(false);
  });

  it('ran without console errors or Content-Security-Policy violations', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
