/**
 * Opening the model against the real engine with the tiny Qwen3-Omni checkpoint: the first question after a start
 * waits for the model to open and the reply says so, and a model installed before Omnidesk starts is opened ahead
 * of the first question. The tiny model opens in well under a second (the real one takes minutes), so the page
 * records every status its replies showed rather than hoping to catch one on screen.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../main/engine/builder/build';
import { TINY_CHECKPOINT_DIR } from '../main/engine/testing/fixtures';
import type { TurnEvent } from '../main/ipc/contract';
import { openProxiedPage, type BridgeProxy } from './bridgeProxy';
import { shot, startPreviewSession, type PreviewSession } from './harness';
import { poll, text } from './voiceSession';

/** The tiny checkpoint's fp32 bundle where the model manager would have put it. */
async function installTinyModel(home: string): Promise<void> {
  await buildBundle(TINY_CHECKPOINT_DIR, path.join(home, 'models', 'Omnidesk', 'Tiny-Qwen3-Omni', 'main', 'bundles', 'fp32'), { variant: 'fp32', selfCheck: false });
}

/** Runs in the page before the app: keeps the text of every status a reply in the conversation showed. */
function recordReplyStatuses() {
  const seen: string[] = [];
  Object.assign(window, { replyStatuses: seen });
  new MutationObserver(() => {
    for (const status of document.querySelectorAll('[role="log"] [role="status"]')) {
      const shown = (status as HTMLElement).innerText;
      if (shown && !seen.includes(shown)) seen.push(shown);
    }
  }).observe(document, { childList: true, subtree: true, characterData: true });
}

async function openPage(session: PreviewSession): Promise<{ page: Page; proxy: BridgeProxy }> {
  const opened = await openProxiedPage(session, async (p) => void (await p.addInitScript(recordReplyStatuses)));
  await opened.page.getByRole('status', { name: 'Engine status' }).filter({ hasText: 'Engine: Ready' }).waitFor();
  // Random weights never end a reply by themselves: the shortest text reply keeps the turn short.
  await opened.page.evaluate(() => window.omnidesk?.settings.set({ voice: { speak: false }, sampling: { maxTokens: 16 } }));
  return opened;
}

/** Asks in the composer and waits for the turn's end; returns the turn's events in order. */
async function ask(page: Page, proxy: BridgeProxy, question: string): Promise<TurnEvent[]> {
  await page.getByRole('textbox', { name: 'Message' }).fill(question);
  await page.keyboard.press('Enter');
  await poll(() => proxy.invokes('chat.send').length).toBeGreaterThan(0);
  const turnId = proxy.invokes('chat.send').at(-1)?.turnId;
  const events = () =>
    proxy.received.flatMap((m) => (m.kind === 'event' && m.channel === 'turn.event' && (m.payload as TurnEvent).turnId === turnId ? [m.payload as TurnEvent] : []));
  await poll(() => events().some((e) => e.type === 'done' || e.type === 'error'), 60_000).toBe(true);
  return events();
}

describe('the first question after a start waits for the model to open, and the reply says so', () => {
  let session: PreviewSession;
  let page: Page;
  let proxy: BridgeProxy;

  beforeAll(async () => {
    session = await startPreviewSession();
    ({ page, proxy } = await openPage(session));
    // Installed once the engine is up and outside the model manager, so nothing opens it ahead of the question.
    await installTinyModel(session.home);
  });
  afterAll(() => session?.close());

  it('shows that Qwen3-Omni is loading until the turn starts, then answers; the engine status says how long it took', async () => {
    const events = await ask(page, proxy, 'Hello?');
    expect(events.slice(0, 2)).toEqual([
      { type: 'loading', turnId: events[0].turnId, part: 'model' },
      { type: 'started', turnId: events[0].turnId },
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'done', interrupted: false });
    const statuses = await page.evaluate(() => (window as unknown as { replyStatuses: string[] }).replyStatuses);
    expect(statuses).toEqual(['Loading Qwen3-Omni… The first answer after starting can take a few minutes.']);
    const reply = page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Omnidesk' }).last();
    await poll(() => reply.getByRole('status').count()).toBe(0);
    expect((await reply.innerText()).length).toBeGreaterThan(0);
    await text(page.getByRole('status', { name: 'Engine status' })).toMatch(/Model loaded in \d+\.\d s/);
  });

  it('answers the next question without loading anything', async () => {
    const events = await ask(page, proxy, 'And again?');
    expect(events[0]).toEqual({ type: 'started', turnId: events[0].turnId });
  });

  it('counts the wait of a reply whose model the engine is still opening, from when the open began', async () => {
    // Played by the bridge proxy: the engine opening a model for 42 s so far, and a turn that waits for it.
    proxy.event('engine.state', { state: 'ready', restarts: 0, model: { bundleDir: '/models/int4', model: { state: 'loading', since: Date.now() - 42_000 } } });
    proxy.answer('chat.send', (request) => ({ ok: true, value: { turnId: request.turnId } }));
    await page.getByRole('textbox', { name: 'Message' }).fill('Are you there?');
    await page.keyboard.press('Enter');
    const reply = page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Omnidesk' }).last();
    await text(reply).toMatch(/^Loading Qwen3-Omni… The first answer after starting can take a few minutes\.\n+Waiting for 4\d s$/);
    await text(page.getByRole('status', { name: 'Engine status' })).toMatch(/Model: loading… 4\d s/);
    await text(page.getByRole('status', { name: 'Voice' })).toBe('Loading the model…');
    await shot(page, 'conversation-model-loading');
    const turnId = proxy.invokes('chat.send').at(-1)?.turnId as string;
    proxy.turnEvent({ type: 'error', turnId, error: { code: 'ENGINE_CRASHED', message: 'The engine process was killed by SIGKILL.' } });
    await text(reply).toContain('The engine process was killed by SIGKILL.');
    expect(await reply.getByRole('status').count()).toBe(0);
  });

  it('ran without console errors or Content-Security-Policy violations', () => {
    expect(session.pageErrors).toEqual([]);
  });
});

describe('a model installed before Omnidesk starts is opened ahead of the first question', () => {
  let session: PreviewSession;
  let page: Page;
  let proxy: BridgeProxy;

  beforeAll(async () => {
    session = await startPreviewSession({ prepareHome: installTinyModel });
    ({ page, proxy } = await openPage(session));
  });
  afterAll(() => session?.close());

  it('says in the engine status that the model and its voice loaded, and the first question waits for neither', async () => {
    const status = page.getByRole('status', { name: 'Engine status' });
    await text(status).toMatch(/Model loaded in \d+\.\d s\s+Voice loaded in \d+\.\d s/);
    await shot(page, 'engine-model-loaded');
    const events = await ask(page, proxy, 'Hello?');
    expect(events[0]).toEqual({ type: 'started', turnId: events[0].turnId });
    expect(events.at(-1)).toMatchObject({ type: 'done', interrupted: false });
  });

  it('ran without console errors or Content-Security-Policy violations', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
