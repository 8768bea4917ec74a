/**
 * Voice against the real engine with the tiny Qwen3-Omni checkpoint built into the data folder (as the model
 * manager would have installed it): a question held on the fake microphone gets real streamed text and speech
 * from the thinker, talker and Code2Wav, which the playback worklet plays until Stop. The weights are random,
 * so the words are noise; the timing, the stream and the bookkeeping are real.
 */
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBundle } from '../main/engine/builder/build';
import { TINY_CHECKPOINT_DIR } from '../main/engine/testing/fixtures';
import type { StreamDown } from '../main/ipc/contract';
import type { BridgeProxy } from './bridgeProxy';
import type { PreviewSession } from './harness';
import { shot } from './harness';
import { holdToTalk, openVoiceSession, poll, sleep, SPEECH_RATE, text, type WorkletReport } from './voiceSession';

describe('voice with the tiny Qwen3-Omni model installed: the real engine hears and speaks', () => {
  let session: PreviewSession;
  let page: Page;
  let proxy: BridgeProxy;
  let reports: () => Promise<WorkletReport[]>;
  /** The spoken turn of the first test, and the samples of its reply that were heard (and stored). */
  let spoken: { turnId: string; heardSamples: number };

  beforeAll(async () => {
    ({ session, page, proxy, reports } = await openVoiceSession(async ({ home }) => {
      // The tiny checkpoint's fp32 bundle, where the model manager would have put it: it answers every turn.
      const bundle = path.join(home, 'models', 'Omnidesk', 'Tiny-Qwen3-Omni', 'main', 'bundles', 'fp32');
      await buildBundle(TINY_CHECKPOINT_DIR, bundle, { variant: 'fp32', selfCheck: false });
    }));
    // Random weights never end a reply by themselves: the shortest text reply keeps the turn short.
    await page.evaluate(() => window.omnidesk?.settings.set({ sampling: { maxTokens: 16 } }));
    // Playback is set up while the page is idle (the first AudioContext is a long task of its own).
    await page.evaluate(() => new Promise((resolve) => requestIdleCallback(resolve)));
    // Inference takes every core it can get; on CI's two the page would wait for the scheduler, and a long task
    // would measure that rather than the page. The engine host runs it below normal priority, as the app does.
    const { engine } = await page.evaluate(() => window.omnidesk!.system.info());
    expect(os.getPriority(engine.pid)).toBe(os.constants.priority.PRIORITY_BELOW_NORMAL);
  });
  afterAll(() => session?.close());

  it('answers a held question with streamed text and speech the playback worklet plays, until Stop', async () => {
    const log = page.getByRole('log', { name: 'Messages' });
    await page.evaluate(() => {
      const longTasks: number[] = [];
      new PerformanceObserver((list) => list.getEntries().forEach((entry) => longTasks.push(entry.duration))).observe({ type: 'longtask' });
      Object.assign(window, { longTasks });
    });
    await holdToTalk(page, 1200);
    const released = Date.now();
    await poll(async () => (await reports()).some((r) => r.type === 'started'), 60_000).toBe(true);
    const firstSampleMs = Date.now() - released;
    const turnId = proxy.invokes('chat.send').at(-1)?.turnId as string;
    await text(page.getByRole('status', { name: 'Voice' })).toBe('Speaking…');
    await sleep(800);
    await shot(page, 'voice-model-speaking');
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await poll(() => proxy.invokes('chat.interrupt').length).toBe(1);
    const interrupt = proxy.invokes('chat.interrupt')[0] as { turnId: string; heardSamples: number };
    spoken = interrupt;
    const turnEvents = () => proxy.received.flatMap((m) => (m.kind === 'event' && m.channel === 'turn.event' ? [m.payload as { type: string; turnId: string }] : []));
    // The engine runs below normal priority: on a loaded machine its answer to Stop can take a while.
    await poll(() => turnEvents().find((e) => e.type === 'done' && e.turnId === turnId), 60_000).toMatchObject({ interrupted: true });
    const done = turnEvents().find((e) => e.type === 'done') as unknown as { text: string; speechSamples: number };

    // The speech that came, in order, 24 kHz; what was played of it is what Stop reported and no more.
    const speech = proxy.streamDown().filter((m): m is Extract<StreamDown, { type: 'speech.chunk' }> => m.type === 'speech.chunk' && m.turnId === turnId);
    expect(speech.map((c) => c.seq)).toEqual(speech.map((_, i) => i));
    expect(speech.every((c) => c.sampleRate === 24000)).toBe(true);
    const delivered = speech.reduce((sum, c) => sum + c.pcm.byteLength / 4, 0);
    const played = (await reports()).filter((r) => r.track === turnId);
    expect(played).toEqual([
      { type: 'started', track: turnId },
      { type: 'finished', track: turnId, samplesPlayed: interrupt.heardSamples, interrupted: true, stats: { underruns: 0, padSamples: 240, refusedSamples: 0 } },
    ]);
    expect(interrupt).toEqual({ turnId, heardSamples: expect.any(Number) });
    expect(interrupt.heardSamples).toBeGreaterThan(0.6 * SPEECH_RATE);
    expect(interrupt.heardSamples).toBeLessThanOrEqual(Math.min(delivered, done.speechSamples));

    const answer = log.getByRole('article', { name: 'Omnidesk' }).last();
    await text(answer).toContain(`Speech stopped after ${(interrupt.heardSamples / SPEECH_RATE).toFixed(1)} s.`);
    expect((await answer.innerText()).length).toBeGreaterThan(0);
    // The question as recorded and the reply as heard are stored with the conversation.
    await poll(() => proxy.invokes('conversations.saveAudio').map((p) => [p.role, p.sampleRate, (p.pcm as Uint8Array).byteLength])).toEqual([
      ['user', 16000, expect.any(Number)],
      ['assistant', 24000, interrupt.heardSamples * 4],
    ]);
    expect(await page.getByRole('alert').count()).toBe(0);

    const longTasks = await page.evaluate(() => (window as unknown as { longTasks: number[] }).longTasks);
    console.log(
      `Tiny model, CPU: first speech sample played ${firstSampleMs} ms after release; ${speech.length} chunks (${(delivered / SPEECH_RATE).toFixed(2)} s) ` +
        `delivered by Stop, ${(interrupt.heardSamples / SPEECH_RATE).toFixed(2)} s heard; long tasks: ${longTasks.length}`,
    );
    expect(longTasks).toEqual([]);
  });

  it('after a reload, plays the stored reply and the recorded question again from their saved files', async () => {
    const question = proxy.invokes('conversations.saveAudio').find((p) => p.role === 'user') as { pcm: Uint8Array };
    const questionSamples = question.pcm.byteLength / 4;
    await page.reload();
    await page.getByRole('list', { name: 'Saved conversations' }).getByRole('button').first().click();
    const log = page.getByRole('log', { name: 'Messages' });
    const heard = (spoken.heardSamples / SPEECH_RATE).toFixed(1);
    await log.getByRole('article', { name: 'Omnidesk' }).getByRole('button', { name: `Play reply ${heard} s` }).click();
    const played = async (track: RegExp) => (await reports()).find((r) => r.type === 'finished' && track.test(r.track));
    await poll(() => played(new RegExp(`^${spoken.turnId}#replay-1$`))).toMatchObject({ samplesPlayed: spoken.heardSamples, interrupted: false });

    // The 16 kHz question, resampled to the player's 24 kHz by the browser's decoder.
    const you = log.getByRole('article', { name: 'You' });
    await you.getByRole('button', { name: `Play question ${(questionSamples / 16_000).toFixed(1)} s` }).click();
    await you.getByRole('button', { name: 'Stop playing' }).waitFor();
    await shot(page, 'voice-replay-question');
    const question2 = new RegExp(`^${spoken.turnId}#question#replay-2$`);
    await poll(() => played(question2)).toMatchObject({ interrupted: false });
    expect((await played(question2))?.samplesPlayed).toBe(Math.ceil((questionSamples * SPEECH_RATE) / 16_000));
  });

  it('ran without console errors or Content-Security-Policy violations', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
