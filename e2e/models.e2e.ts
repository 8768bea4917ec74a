import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { startFakeHub, type FakeHub } from '../main/models/testing/fakeHub';
import { tinyCatalog, tinyRepo } from '../main/models/testing/tinyModel';
import { shot, startPreviewSession, type PreviewSession } from './harness';

const text = (locator: Locator, timeout = 20_000) => expect.poll(() => locator.innerText(), { timeout });
const NAME = 'Tiny Qwen3-Omni (test fixture)';

/**
 * The Models screen against a fake Hub serving the real tiny Qwen3-Omni checkpoint (13 MB): a real, throttled
 * download with pause and resume, then a real int4 build in the build process, then removal.
 */
describe('the model manager downloads, builds and removes a model', () => {
  let hub: FakeHub;
  let session: PreviewSession;
  let page: Page;

  beforeAll(async () => {
    // Slow enough to see and pause the download, fast enough to finish in seconds once let go.
    hub = await startFakeHub({ repos: [tinyRepo()], bytesPerSecond: 600_000 });
    session = await startPreviewSession({ models: { catalog: tinyCatalog(), endpoint: hub.url } });
    page = await session.open({ colorScheme: 'light' });
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Models' }).click();
  });
  afterAll(async () => {
    await session?.close();
    await hub?.close();
  });

  const card = () => page.getByRole('region', { name: NAME });
  const status = () => card().getByRole('status', { name: `${NAME} status` });

  it('shows this computer, and the fit of each variant before anything is fetched', async () => {
    const machine = page.getByRole('region', { name: 'This computer' });
    await text(machine).toContain('Execution provider\nCPU');
    await text(machine).toMatch(/Models use 0 bytes; [\d.]+ [KMGT]?B free/);
    const int4 = card().getByRole('radio', { name: 'int4: runs slowly on CPU' });
    expect(await int4.isChecked()).toBe(true);
    await card().getByRole('radio', { name: 'fp32: runs slowly on CPU' }).waitFor();
    await text(card()).toContain('No GPU memory detected (needs 1.1 GB on a GPU).');
    await text(card()).toContain('Download 12.7 MB');
    expect(hub.stats.requests).toBe(0);
  });

  it('downloads with a progress bar, speed and time left, and pauses and resumes without starting over', async () => {
    // Every phase the status line shows, however briefly (the build of the tiny model takes about a second).
    await card().evaluate((element) => {
      const phases: string[] = [];
      new MutationObserver(() => {
        const line = element.querySelector('[role="status"]');
        if (line) phases.push((line as HTMLElement).innerText);
      }).observe(element, { subtree: true, childList: true, characterData: true });
      (window as unknown as { phases: string[] }).phases = phases;
    });
    await card().getByRole('button', { name: 'Download and build' }).click();
    const bar = card().getByRole('progressbar', { name: 'Download progress' });
    await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 20_000 }).toBeGreaterThanOrEqual(5);
    await text(status()).toBe('Downloading');
    await text(card()).toMatch(/[\d.]+ MB of 12\.7 MB · [\d.]+ [KM]B\/s · about \d+ s left/);
    await shot(page, 'models-downloading-light');

    await card().getByRole('button', { name: 'Pause' }).click();
    await text(status()).toBe('Paused');
    const kept = Number(await bar.getAttribute('aria-valuenow'));
    const fetched = hub.stats.bodyBytes;
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(hub.stats.bodyBytes).toBe(fetched);

    hub.setBytesPerSecond(undefined);
    await card().getByRole('button', { name: 'Resume' }).click();
    await card().getByRole('list', { name: `Installed variants of ${NAME}` }).waitFor({ timeout: 60_000 });
    await status().waitFor({ state: 'detached' });
    const phases = await page.evaluate(() => (window as unknown as { phases: string[] }).phases.filter((p, i, all) => p !== all[i - 1]));
    expect(phases).toEqual(expect.arrayContaining(['Downloading', 'Paused', 'Building the int4 bundle']));
    expect(phases.indexOf('Building the int4 bundle')).toBeGreaterThan(phases.lastIndexOf('Downloading'));
    // Resumed, not restarted: the Hub sent each byte about once.
    expect(hub.stats.bodyBytes).toBeLessThan(12_739_563 * 1.1);
    expect(kept).toBeGreaterThan(0);
  });

  it('lists the built bundle as the one that answers, and its size on disk', async () => {
    const installed = card().getByRole('list', { name: `Installed variants of ${NAME}` });
    await text(installed).toMatch(/^Installed: int4 · [\d.]+ MB · revision [0-9a-f]{7}\s*Answers now$/);
    await text(page.getByRole('region', { name: 'This computer' })).toMatch(/Models use [\d.]+ MB; /);
    expect(await card().getByRole('button', { name: 'Build again' }).isEnabled()).toBe(true);
    await shot(page, 'models-installed-light');
  });

  it('offers the installed model’s voices in Settings', async () => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Settings' }).click();
    const voice = page.getByRole('region', { name: 'Voice' }).getByRole('combobox', { name: 'Voice' });
    await expect.poll(() => voice.locator('option').allInnerTexts()).toEqual(['Aiden', 'Chelsie', 'Ethan']);
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Models' }).click();
  });

  /** The tiny model's weights are random: it streams arbitrary tokens until the reply length runs out. */
  const settings = async (change: () => Promise<void>) => {
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Settings' }).click();
    await change();
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Conversation' }).click();
  };
  const replyLength = async (key: 'Home' | 'End') => {
    await page.getByRole('slider', { name: 'Longest reply' }).focus();
    await page.keyboard.press(key);
  };
  const reply = () => page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Omnidesk' }).last();
  const ask = async (question: string) => {
    await page.getByRole('textbox', { name: 'Message' }).fill(question);
    await page.keyboard.press('Enter');
    // Streamed text, not the placeholder shown while the reply is awaited.
    await expect.poll(async () => (await reply().innerText()).replace('Thinking…', '').trim().length, { timeout: 30_000 }).toBeGreaterThan(0);
  };
  const reopen = async (title: RegExp) => {
    await page.reload();
    await page.getByRole('list', { name: 'Saved conversations' }).getByRole('button', { name: title }).click();
  };

  it('answers with the installed model, and the streamed reply is there again after a reload', async () => {
    await settings(async () => {
      await page.getByRole('switch', { name: 'Speak replies' }).click();
      await replyLength('Home');
    });
    await ask('Hello there');
    await expect.poll(() => reply().getAttribute('aria-busy'), { timeout: 30_000 }).toBe('false');
    const shown = await reply().innerText();
    await reopen(/Hello there/);
    await text(reply()).toBe(shown);
  });

  it('keeps what had streamed when the engine is killed mid-reply, with the reason', async () => {
    await settings(() => replyLength('End'));
    await page.getByRole('button', { name: 'New conversation' }).click();
    await ask('Tell me a long story');
    const pid = await page.evaluate(async () => (await window.omnidesk!.system.info()).engine.pid);
    process.kill(pid, 'SIGKILL');
    await text(reply()).toContain('The engine stopped unexpectedly');
    const shown = await reply().innerText();
    expect(shown).toMatch(/^[\s\S]+\n+The engine stopped unexpectedly\n+The engine process was killed by SIGKILL\./);
    await reopen(/Tell me a long story/);
    await text(reply()).toBe(shown);
    await shot(page, 'conversation-engine-killed-light');
    await page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Models' }).click();
  });

  it('removes the model after asking, freeing its disk space', async () => {
    await card().getByRole('button', { name: `Remove ${NAME}` }).click();
    const dialog = page.getByRole('dialog', { name: `Remove ${NAME}?` });
    await text(dialog).toContain('A Hugging Face cache is never touched.');
    await dialog.getByRole('button', { name: 'Remove' }).click();
    await card().getByRole('list', { name: `Installed variants of ${NAME}` }).waitFor({ state: 'detached' });
    await text(page.getByRole('region', { name: 'This computer' })).toContain('Models use 0 bytes');
  });

  it('looks right in dark mode', async () => {
    const dark = await session.open({ colorScheme: 'dark' });
    await dark.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name: 'Models' }).click();
    await dark.getByRole('region', { name: NAME }).getByRole('radio', { name: 'int4: runs slowly on CPU' }).waitFor();
    await shot(dark, 'models-dark');
    await dark.close();
  });

  it('ran without console errors', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
