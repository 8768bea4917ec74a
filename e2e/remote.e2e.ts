/**
 * A conversation answered by a remote server: `omnidesk serve` on the tiny Qwen3-Omni model, started in this test
 * process, stands for a GPU box running vLLM-Omni. The server is added through Settings (its token as the API key,
 * "Test connection" listing its model), a conversation is switched to it, and a question held on the fake
 * microphone comes back as streamed text and speech the playback worklet plays — as a local turn does, which
 * another conversation shows still works. The page says plainly where the data goes, and, once the server is gone,
 * why the next turn failed.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../main/engine/builder/build';
import { TINY_CHECKPOINT_DIR } from '../main/engine/testing/fixtures';
import type { StreamDown } from '../main/ipc/contract';
import { startServer, type RunningServer } from '../main/serve/server';
import type { BridgeProxy } from './bridgeProxy';
import { shot, type PreviewSession } from './harness';
import { holdToTalk, openVoiceSession, poll, sleep, SPEECH_RATE, text, type WorkletReport } from './voiceSession';

const TOKEN = 'e2e-remote-token-5d1c2b9a';

describe('a conversation answered by a remote server (omnidesk serve on the tiny model)', () => {
  let session: PreviewSession;
  let page: Page;
  let proxy: BridgeProxy;
  let reports: () => Promise<WorkletReport[]>;
  let serve: RunningServer;
  let address: string;

  const log = () => page.getByRole('log', { name: 'Messages' });
  const header = () => page.getByRole('main', { name: 'Conversation' }).locator('header');
  const answeredBy = () => header().getByRole('combobox', { name: 'Answered by' });
  const section = (name: string) => page.getByRole('navigation', { name: 'Sections' }).getByRole('button', { name });
  const turnEvents = () => proxy.received.flatMap((m) => (m.kind === 'event' && m.channel === 'turn.event' ? [m.payload as { type: string; turnId: string }] : []));

  /** Holds the talk key for 1.2 s of the fake microphone's question; resolves with the turn id once speech plays. */
  async function askAloud(): Promise<string> {
    const before = proxy.invokes('chat.send').length;
    await holdToTalk(page, 1200);
    await poll(() => proxy.invokes('chat.send').length, 60_000).toBe(before + 1);
    const turnId = proxy.invokes('chat.send').at(-1)?.turnId as string;
    await poll(async () => (await reports()).some((r) => r.type === 'started' && r.track === turnId), 60_000).toBe(true);
    return turnId;
  }

  /** Stops the spoken reply, and checks it came in order at 24 kHz and was played up to what Stop reported. */
  async function stopAndCheckSpeech(turnId: string): Promise<void> {
    await text(page.getByRole('status', { name: 'Voice' })).toBe('Speaking…');
    await sleep(600);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await poll(() => proxy.invokes('chat.interrupt').some((p) => p.turnId === turnId)).toBe(true);
    const { heardSamples } = proxy.invokes('chat.interrupt').find((p) => p.turnId === turnId) as { heardSamples: number };
    // The engine runs below normal priority: on a loaded machine its answer to Stop can take a while.
    await poll(() => turnEvents().some((e) => e.type === 'done' && e.turnId === turnId), 60_000).toBe(true);
    const speech = proxy.streamDown().filter((m): m is Extract<StreamDown, { type: 'speech.chunk' }> => m.type === 'speech.chunk' && m.turnId === turnId);
    expect(speech.map((c) => c.seq)).toEqual(speech.map((_, i) => i));
    expect(speech.every((c) => c.sampleRate === SPEECH_RATE)).toBe(true);
    expect(heardSamples).toBeGreaterThan(0);
    expect(heardSamples).toBeLessThanOrEqual(speech.reduce((sum, c) => sum + c.pcm.byteLength / 4, 0));
    await poll(async () => (await reports()).find((r) => r.type === 'finished' && r.track === turnId)).toMatchObject({ samplesPlayed: heardSamples, interrupted: true });
    await text(log().getByRole('article', { name: 'Omnidesk' }).last()).toContain(`Speech stopped after ${(heardSamples / SPEECH_RATE).toFixed(1)} s.`);
  }

  beforeAll(async () => {
    let bundle = '';
    ({ session, page, proxy, reports } = await openVoiceSession(async ({ home }) => {
      // The local model answers the local conversation; the server in this process serves the same files.
      bundle = path.join(home, 'models', 'Omnidesk', 'Tiny-Qwen3-Omni', 'main', 'bundles', 'fp32');
      await buildBundle(TINY_CHECKPOINT_DIR, bundle, { variant: 'fp32', selfCheck: false });
    }));
    serve = await startServer({ bundleDir: bundle, token: TOKEN, stateDir: path.join(session.home, 'serve-state'), scratchDir: path.join(session.home, 'serve-scratch') });
    address = new URL(serve.url).host;
    // Random weights never end a reply by themselves: the shortest text reply keeps each turn short.
    await page.evaluate(() => window.omnidesk?.settings.set({ sampling: { maxTokens: 16 } }));
    await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve)));
  });
  afterAll(async () => {
    await serve?.close();
    await session?.close();
  });

  it('has no way off the machine until a server is added', async () => {
    expect(await answeredBy().count()).toBe(0);
    expect(await page.getByRole('note', { name: /^Sent to / }).count()).toBe(0);
    await text(header()).toContain('Runs entirely on this device.');
  });

  it('adds the server in Settings: its URL, its token as the API key, and the model "Test connection" lists', async () => {
    await section('Settings').click();
    const panel = page.getByRole('region', { name: 'Remote servers' });
    await text(panel).toContain('None added');
    await panel.getByRole('button', { name: 'Add server' }).click();
    const form = panel.getByRole('form', { name: 'Add a remote server' });
    await form.getByRole('textbox', { name: 'Name' }).fill('gpu-box');
    await form.getByRole('textbox', { name: 'Server URL' }).fill(serve.url);
    await form.getByRole('button', { name: 'Test connection' }).click();
    await text(form).toContain('rejected the API key (401)');
    await form.getByLabel('API key').fill(TOKEN);
    await form.getByRole('button', { name: 'Test connection' }).click();
    await text(form.getByRole('status')).toBe('Connected: the server lists 1 model.');
    expect(await form.getByRole('combobox', { name: 'Model' }).inputValue()).toBe(serve.model);
    // A loopback server over http is not flagged; one on another machine would be.
    expect(await form.getByText(/^Plain http/).count()).toBe(0);
    await panel.evaluate((element) => element.scrollIntoView({ block: 'start' }));
    await shot(page, 'settings-remote-servers');
    await form.getByRole('button', { name: 'Save server' }).click();

    const saved = panel.getByRole('list', { name: 'Remote servers' }).getByRole('listitem', { name: 'gpu-box' });
    await text(saved).toContain(`${serve.url} · ${serve.model} · API key stored`);
    expect(await panel.getByRole('combobox', { name: 'New conversations are answered by' }).inputValue()).toBe('local');
    // The key went to main once, in the save; nothing main sent back to the page carries it.
    expect(proxy.sent.filter((m) => JSON.stringify(m).includes(TOKEN)).map((m) => (m.kind === 'invoke' ? m.channel : m.kind))).toEqual(['remote.check', 'remote.save']);
    expect(proxy.received.filter((m) => JSON.stringify(m).includes(TOKEN))).toEqual([]);
    await shot(page, 'settings-remote-saved');
  });

  it('answers a held question in a conversation switched to the server: streamed text and speech, played as a local reply is', async () => {
    await section('Conversation').click();
    await answeredBy().selectOption({ label: 'gpu-box' });
    // Said in the header and beside the composer, where the user speaks and attaches.
    const badges = page.getByRole('note', { name: `Sent to ${address}` });
    await poll(() => badges.count()).toBe(2);
    const explanation = `What you type, say, show or attach in this conversation leaves this computer: it is sent to the server “gpu-box” at ${serve.url}, which answers it.`;
    for (const badge of await badges.all()) {
      expect(await badge.getAttribute('title')).toBe(explanation);
      expect(await page.locator(`[id="${await badge.getAttribute('aria-describedby')}"]`).innerText()).toBe(explanation);
    }
    const turnId = await askAloud();
    const conversationId = proxy.invokes('chat.send').at(-1)?.conversationId as string;
    expect(proxy.invokes('conversations.setBackend')).toEqual([{ id: conversationId, backend: expect.any(String) }]);
    await shot(page, 'remote-conversation');
    await stopAndCheckSpeech(turnId);
    expect((await log().getByRole('article', { name: 'Omnidesk' }).last().innerText()).length).toBeGreaterThan(0);
    const stored = await page.evaluate((id) => window.omnidesk!.conversations.get({ id }), conversationId);
    expect(stored.backend).toBe(proxy.invokes('conversations.setBackend')[0].backend);
  });

  it('still answers on this computer in another conversation, which says nothing is sent', async () => {
    await page.getByRole('button', { name: 'New conversation' }).click();
    await poll(() => answeredBy().inputValue()).toBe('local');
    expect(await page.getByRole('note', { name: /^Sent to / }).count()).toBe(0);
    const turnId = await askAloud();
    await stopAndCheckSpeech(turnId);
  });

  it('says plainly that the server cannot be reached once it has stopped', async () => {
    await serve.close();
    await page.getByRole('button', { name: 'New conversation' }).click();
    await answeredBy().selectOption({ label: 'gpu-box' });
    await page.getByRole('textbox', { name: 'Message' }).fill('Are you still there?');
    await page.keyboard.press('Enter');
    const answer = log().getByRole('article', { name: 'Omnidesk' }).last();
    await text(answer).toContain('The server could not be reached');
    await text(answer).toContain(`Could not reach ${address}`);
    await shot(page, 'remote-unreachable');
  });

  it('ran without console errors or Content-Security-Policy violations', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
