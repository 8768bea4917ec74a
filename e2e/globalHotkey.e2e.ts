/**
 * Global push-to-talk in the browser preview: the setting (off by default) and what the window does with the
 * hotkey events main sends — played here by the bridge proxy, as the desktop app's key hook would send them. A
 * browser tab has no global hotkey of its own, and the settings say so.
 */
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BridgeProxy } from './bridgeProxy';
import { shot, type PreviewSession } from './harness';
import { openVoiceSession, poll, sleep, text } from './voiceSession';

describe('global push-to-talk', () => {
  let session: PreviewSession;
  let page: Page;
  let proxy: BridgeProxy;

  beforeAll(async () => {
    ({ session, page, proxy } = await openVoiceSession());
  });
  afterAll(() => session?.close());

  it('is off by default, and turned on says that this shell cannot hear it in the background', async () => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Settings' }).click();
    const ptt = page.getByRole('region', { name: 'Push to talk' });
    const toggle = ptt.getByRole('switch', { name: 'Global push-to-talk' });
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    await toggle.click();
    await ptt.getByRole('button', { name: 'Global hotkey: Ctrl+Shift+Space. Change' }).waitFor();
    await text(ptt.getByRole('status')).toBe('Not available: Only the desktop app can hear a hotkey while it is in the background.');
    await ptt.scrollIntoViewIfNeeded();
    await shot(page, 'settings-global-hotkey');
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Conversation' }).click();
  });

  it('talks from a hotkey hold while the window is in the background, and ignores it while focused', async () => {
    const voice = page.getByRole('status', { name: 'Voice' });
    // The window in front has focus: its own key talks there, so a hotkey press must not start a second turn.
    expect(await page.evaluate(() => document.hasFocus())).toBe(true);
    proxy.event('pushToTalk.hotkey', { state: 'down' });
    await sleep(300);
    expect(await voice.innerText()).toBe('');
    proxy.event('pushToTalk.hotkey', { state: 'up' });

    // The app in the background, as Chromium reports it for a window without focus (headless Chromium emulates
    // focus for every page, so it is told).
    await page.evaluate(() => (document.hasFocus = () => false));
    const sends = proxy.invokes('chat.send').length;
    proxy.event('pushToTalk.hotkey', { state: 'down' });
    await text(voice).toBe('Listening…');
    await sleep(900);
    proxy.event('pushToTalk.hotkey', { state: 'up' });
    await poll(() => proxy.invokes('chat.send').length).toBe(sends + 1);
    expect(proxy.invokes('chat.send').at(-1)).toMatchObject({ micAudio: true });
  });

  it('ran without console errors or Content-Security-Policy violations', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
