import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { shot, startPreviewSession, type PreviewSession } from './harness';

const text = (locator: Locator) => expect.poll(() => locator.innerText(), { timeout: 20_000 });

describe('the app shell in browser preview mode', () => {
  let session: PreviewSession;
  let page: Page;

  beforeAll(async () => {
    session = await startPreviewSession();
    page = await session.open({ colorScheme: 'light' });
  });
  afterAll(() => session?.close());

  const nav = () => page.getByRole('navigation', { name: 'Sections' });
  const main = (name: string) => page.getByRole('main', { name });

  it('shows named sections, the conversation first, and the engine becoming ready', async () => {
    for (const name of ['Conversation', 'Models', 'Settings']) await nav().getByRole('button', { name }).waitFor();
    expect(await nav().getByRole('button', { name: 'Conversation' }).getAttribute('aria-current')).toBe('page');
    await main('Conversation').waitFor();
    await text(page.getByRole('status', { name: 'Engine status' })).toContain('Engine: Ready');
  });

  it('is reachable by keyboard alone', async () => {
    await page.locator('body').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Models');
    await page.keyboard.press('Enter');
    await main('Models').waitFor();
    await page.keyboard.press('Shift+Tab');
    await page.keyboard.press('Enter');
    await main('Conversation').waitFor();
  });

  it('round-trips system.info to the engine: ONNX Runtime 1.30.0 with the CPU provider available', async () => {
    await nav().getByRole('button', { name: 'Settings' }).click();
    const system = main('Settings').getByRole('region', { name: 'System' });
    const value = (term: string) => system.locator('dt', { hasText: term }).locator('xpath=following-sibling::dd[1]');
    await text(value('ONNX Runtime')).toBe('1.30.0');
    await text(value('Shell')).toContain('Browser preview');
    const cpu = system.getByRole('list', { name: 'Execution providers' }).getByRole('listitem').filter({ hasText: /^CPU/ });
    await cpu.getByText('Available', { exact: true }).waitFor();
  });

  it('opens the engine stream and gets the engine’s answer, twice over the same port', async () => {
    const panel = main('Settings').getByRole('region', { name: 'Engine audio stream' });
    for (let run = 0; run < 2; run++) {
      await panel.getByRole('button', { name: 'Test audio stream' }).click();
      await text(panel).toMatch(/Stream works: the engine received 1,600 samples in \d+ ms/);
    }
    await panel.scrollIntoViewIfNeeded();
    await shot(page, 'settings-light');
  });

  it('sends a chat message and explains that no model is installed, with the next step', async () => {
    await nav().getByRole('button', { name: 'Conversation' }).click();
    await page.getByRole('textbox', { name: 'Message' }).fill('Hello, what can you do?');
    await page.keyboard.press('Enter');
    const log = page.getByRole('log', { name: 'Messages' });
    await text(log.getByRole('article', { name: 'You' })).toBe('Hello, what can you do?');
    const answer = log.getByRole('article', { name: 'Omnidesk' });
    await text(answer).toContain('No model installed');
    await text(answer).toContain('No Qwen3-Omni model is installed yet.');
    await text(answer).toContain('omnidesk build');
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('');
    await shot(page, 'conversation-light');

    await answer.getByRole('button', { name: 'Open Models' }).click();
    await main('Models').getByRole('region', { name: 'Qwen3-Omni 30B-A3B Instruct' }).waitFor();
    await shot(page, 'models-light');
  });

  it('shows an engine crash with its restart countdown, then the restarted engine’s own system info', async () => {
    await nav().getByRole('button', { name: 'Settings' }).click();
    const engineRow = main('Settings').locator('dt', { hasText: 'Engine process' }).locator('xpath=following-sibling::dd[1]');
    const pidOf = async () => Number(/pid (\d+)/.exec(await engineRow.innerText())?.[1]);
    const before = await pidOf();
    const status = page.getByRole('status', { name: 'Engine status' });
    // The crashed state lasts only the first backoff (500 ms): record every text the indicator shows.
    await status.evaluate((element) => {
      const seen: string[] = [];
      new MutationObserver(() => seen.push((element as HTMLElement).innerText)).observe(element, { subtree: true, childList: true, characterData: true });
      (window as unknown as { seen: string[] }).seen = seen;
    });
    process.kill(before, 'SIGKILL');
    await expect.poll(pidOf, { timeout: 20_000 }).not.toBe(before);
    await text(status).toBe('Engine: Ready');
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    expect(seen).toContainEqual(expect.stringMatching(/^Engine: Crashed\n+Restarting in 1 s\n+The engine process was killed by SIGKILL\./));
    expect(seen).toContainEqual(expect.stringMatching(/^Engine: Starting…/));
    // 500 ms of backoff never reads as more than a second.
    expect(seen.filter((t) => /Restarting in [2-9]/.test(t))).toEqual([]);
  });

  it('looks right in dark mode too', async () => {
    const dark = await session.open({ colorScheme: 'dark' });
    await text(dark.getByRole('status', { name: 'Engine status' })).toContain('Engine: Ready');
    await dark.getByRole('textbox', { name: 'Message' }).fill('Hello');
    await dark.getByRole('button', { name: 'Send' }).click();
    await text(dark.getByRole('article', { name: 'Omnidesk' })).toContain('No model installed');
    await shot(dark, 'conversation-dark');
    await dark.getByRole('button', { name: 'Settings' }).click();
    await dark.getByRole('region', { name: 'System' }).getByText('1.30.0').waitFor();
    await shot(dark, 'settings-dark');
    await dark.close();
  });

  it('tells a page opened without the token that the server refused it', async () => {
    const stranger = await session.open({ url: session.server.origin });
    const status = stranger.getByRole('status', { name: 'Engine status' });
    await text(status).toContain('The preview server refused this page');
    await text(status).toContain('access token');
    await stranger.close();
    // The browser logs the refused WebSocket handshake itself; that one is expected.
    session.pageErrors.splice(0, session.pageErrors.length, ...session.pageErrors.filter((e) => !/WebSocket.*403/.test(e)));
  });

  it('ran without console errors or Content-Security-Policy violations', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
