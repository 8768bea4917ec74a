/**
 * Voice, vision and speech in headless Chromium against the real preview server and engine: a fake microphone
 * playing a speech fixture, a fake camera, a fake screen. The engine has no model, so it answers every turn with
 * MODEL_NOT_INSTALLED after validating it; what a model would add — text deltas and speech chunks — the test
 * plays into the page through the bridge proxy, as the server would send them. The playback worklet's own
 * reports are read by wrapping AudioWorkletNode before the app loads.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StreamDown, StreamUp } from '../main/ipc/contract';
import type { BridgeProxy } from './bridgeProxy';
import type { PreviewSession } from './harness';
import { shot } from './harness';
import { openVoiceSession, poll, sleep, SPEECH_RATE, text, type WorkletReport } from './voiceSession';

type MicChunk = Extract<StreamUp, { type: 'mic.chunk' }>;
type MicReceived = Extract<StreamDown, { type: 'mic.received' }>;

const GRAY_PNG = readFileSync(fileURLToPath(new URL('../models/fixtures/media/image_gray_50x50.png', import.meta.url)));
/** 80 ms: one codec frame per chunk, as the talker sends them. */
const CHUNK = 1920;

/** A 220 Hz tone, continuous across chunks, so a gap or a repeat would be a discontinuity. */
function tone(seq: number): ArrayBuffer {
  const pcm = new Float32Array(CHUNK);
  for (let i = 0; i < CHUNK; i++) pcm[i] = 0.3 * Math.sin((2 * Math.PI * 220 * (seq * CHUNK + i)) / SPEECH_RATE);
  return pcm.buffer;
}

describe('voice, vision and speech in browser preview mode', () => {
  let session: PreviewSession;
  let page: Page;
  let proxy: BridgeProxy;
  /** Which answer holds the complete spoken reply, for the replay. */
  let story: Locator;
  /** Turns the proxy answered in the engine's place. */
  const simulated = new Set<string>();
  const savedSpeech = (turnId: string) =>
    proxy.invokes('conversations.saveAudio').find((p) => p.turnId === turnId && p.role === 'assistant') as { sampleRate: number; pcm: Uint8Array } | undefined;

  let reports: () => Promise<WorkletReport[]>;

  beforeAll(async () => {
    ({ session, page, proxy, reports } = await openVoiceSession());
  });
  afterAll(() => session?.close());

  const log = () => page.getByRole('log', { name: 'Messages' });
  const voiceStatus = () => page.getByRole('status', { name: 'Voice' });
  const talk = () => page.getByRole('button', { name: 'Push to talk' });
  const lastReceived = () => proxy.streamDown().filter((m): m is MicReceived => m.type === 'mic.received').at(-1);
  const micChunks = (turnId: string) => proxy.streamUp().filter((m): m is MicChunk => m.type === 'mic.chunk' && m.turnId === turnId);

  /** Holds push-to-talk for about `ms` and returns how long it really was held and what the engine received. */
  async function hold(ms: number, down: () => Promise<void>, up: () => Promise<void>) {
    const before = lastReceived();
    const started = Date.now();
    await down();
    await text(voiceStatus()).toBe('Listening…');
    await sleep(ms - (Date.now() - started));
    await up();
    const heldMs = Date.now() - started;
    await poll(() => lastReceived() !== before).toBe(true);
    return { heldMs, received: lastReceived() as MicReceived };
  }

  it('streams the fake microphone while Space is held and, on release, sends the voice turn the engine counted', async () => {
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const meter = page.getByRole('meter', { name: 'Microphone level' });
    const { heldMs, received } = await hold(
      1600,
      async () => {
        await page.keyboard.down('Space');
        await poll(async () => Number(await meter.getAttribute('aria-valuenow'))).toBeGreaterThan(30);
        await shot(page, 'voice-listening');
      },
      () => page.keyboard.up('Space'),
    );
    const chunks = micChunks(received.turnId);
    expect(chunks.map((c) => c.seq)).toEqual(chunks.map((_, i) => i));
    expect(chunks.every((c) => c.sampleRate === 16000 && c.format === 'f32')).toBe(true);
    expect(chunks.reduce((sum, c) => sum + c.pcm.byteLength / 4, 0)).toBe(received.samples);
    expect(proxy.streamUp().find((m) => m.type === 'mic.end' && m.turnId === received.turnId)).toEqual({ type: 'mic.end', turnId: received.turnId, seq: chunks.length });
    // The first hold opens the microphone, so there is no pre-roll yet and opening it costs a little of the hold.
    const seconds = received.samples / 16000;
    expect(seconds).toBeGreaterThan(heldMs / 1000 - 0.6);
    expect(seconds).toBeLessThan(heldMs / 1000 + 0.1);
    const samples = chunks.flatMap((c) => [...new Float32Array(c.pcm)]);
    const rms = Math.sqrt(samples.reduce((sum, s) => sum + s * s, 0) / samples.length);
    expect(rms).toBeGreaterThan(0.01);

    await poll(() => proxy.invokes('chat.send').at(-1)).toMatchObject({ turnId: received.turnId, text: '', attachments: [], micAudio: true, speak: true });
    // The recording is kept with the conversation: exactly what the engine received.
    await poll(() => proxy.invokes('conversations.saveAudio').at(-1)).toMatchObject({ turnId: received.turnId, role: 'user', sampleRate: 16000 });
    const saved = proxy.invokes('conversations.saveAudio').at(-1) as { pcm: Uint8Array };
    expect(Buffer.from(saved.pcm).equals(Buffer.from(chunks.flatMap((c) => [...new Uint8Array(c.pcm)])))).toBe(true);
    await text(log().getByRole('article', { name: 'You' }).last()).toContain(`Voice message · ${seconds.toFixed(1)} s`);
    await text(log().getByRole('article', { name: 'Omnidesk' }).last()).toContain('No model installed');
    await text(voiceStatus()).toBe('');
  });

  it('holds the on-screen button the same way, now with the 400 ms pre-roll of the open microphone', async () => {
    const box = await talk().boundingBox();
    if (!box) throw new Error('The talk button is not on screen');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    // The pre-roll holds only audio heard since the last utterance ended: give it time to fill.
    await sleep(600);
    const { heldMs, received } = await hold(1200, () => page.mouse.down(), () => page.mouse.up());
    const seconds = received.samples / 16000;
    // A cold start comes out shorter than the hold (first test); the pre-roll makes this one longer.
    expect(seconds).toBeGreaterThan(heldMs / 1000 + 0.15);
    expect(seconds).toBeLessThan(heldMs / 1000 + 0.5);
    await text(log().getByRole('article', { name: 'You' }).last()).toContain(`Voice message · ${seconds.toFixed(1)} s`);
  });

  it('talks with Space on the focused talk button once, and leaves Space to the text box', async () => {
    await talk().focus();
    const sends = proxy.invokes('chat.send').length;
    await hold(700, () => page.keyboard.down('Space'), () => page.keyboard.up('Space'));
    await poll(() => proxy.invokes('chat.send').length).toBe(sends + 1);
    await text(voiceStatus()).toBe('');
    expect(await talk().getAttribute('aria-pressed')).toBe('false');

    const box = page.getByRole('textbox', { name: 'Message' });
    await box.focus();
    await page.keyboard.press('Space');
    expect(await box.inputValue()).toBe(' ');
    await box.fill('');
  });

  it('sends a webcam frame, a 2 fps clip, a screenshot and a pasted image with the question, and the engine takes them', async () => {
    await page.getByRole('button', { name: 'Camera', exact: true }).click();
    const camera = page.getByRole('region', { name: 'Camera' });
    await poll(() => camera.getByRole('button', { name: 'Attach frame' }).isEnabled()).toBe(true);
    await camera.getByRole('button', { name: 'Attach frame' }).click();
    await camera.getByRole('button', { name: 'Record clip' }).click();
    await sleep(1100);
    await camera.getByRole('button', { name: /^Stop clip/ }).click();
    await page.getByRole('button', { name: 'Attach screenshot' }).click();
    const tray = page.getByRole('list', { name: 'Attachments' });
    await poll(() => tray.getByRole('listitem').count()).toBe(3);

    const input = page.getByRole('textbox', { name: 'Message' });
    await input.fill('What do you see?');
    await input.evaluate((element, bytes) => {
      const files = new DataTransfer();
      files.items.add(new File([new Uint8Array(bytes)], 'image_gray_50x50.png', { type: 'image/png' }));
      element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: files, bubbles: true, cancelable: true }));
    }, [...GRAY_PNG]);
    await poll(() => tray.getByRole('listitem').count()).toBe(4);
    await shot(page, 'voice-attachments');
    await page.getByRole('button', { name: 'Camera', exact: true }).click();
    await input.press('Enter');

    const you = log().getByRole('article', { name: 'You' }).last();
    await text(you).toContain('What do you see?');
    await poll(() => you.getByRole('list', { name: 'Attached' }).getByRole('listitem').count()).toBe(4);
    // Validated by main and by the engine against the contract before the missing model was noticed.
    await text(log().getByRole('article', { name: 'Omnidesk' }).last()).toContain('No model installed');

    const { attachments } = proxy.invokes('chat.send').at(-1) as { attachments: Array<Record<string, unknown>> };
    expect(attachments.map((a) => [a.kind, a.mime])).toEqual([['image', 'image/jpeg'], ['frames', undefined], ['image', 'image/png'], ['image', 'image/png']]);
    const [frame, clip, screenshot, pasted] = attachments as Array<{ name: string; data: Uint8Array; fps: number; frames: Uint8Array[] }>;
    expect(frame.name).toMatch(/^Camera frame \d\d:\d\d:\d\d\.jpg$/);
    expect([...frame.data.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
    expect(clip.fps).toBe(2);
    expect(clip.frames.length).toBeGreaterThanOrEqual(2);
    expect(clip.frames.length).toBeLessThanOrEqual(4);
    expect(clip.frames.every((f) => f[0] === 0xff && f[1] === 0xd8)).toBe(true);
    expect(screenshot.name).toMatch(/^Screenshot \d\d:\d\d:\d\d\.png$/);
    expect([...screenshot.data.subarray(1, 4)]).toEqual([...Buffer.from('PNG')]);
    expect(Buffer.from(pasted.data).equals(GRAY_PNG)).toBe(true);
    if (session.cameraFromFile) {
      const size = await you.getByRole('img', { name: frame.name }).evaluate((img: HTMLImageElement) => [img.naturalWidth, img.naturalHeight]);
      expect(size).toEqual([320, 240]);
    }
  });

  /**
   * Plays a spoken reply of `chunks` chunks into the page with a text delta each: the first three at once (a
   * talker starts ahead of real time), then one every `everyMs`. The 240 ms lead is what keeps the pace gapless
   * when two busy CI cores delay a message now and then; without it this tests the machine, not the player.
   */
  async function reply(turnId: string, chunks: number, everyMs: number, { end = true } = {}) {
    proxy.turnEvent({ type: 'started', turnId });
    const started = Date.now();
    for (let seq = 0; seq < chunks; seq++) {
      await sleep(started + (seq - 2) * everyMs - Date.now());
      proxy.turnEvent({ type: 'text-delta', turnId, text: `word${seq} ` });
      proxy.stream({ type: 'speech.chunk', turnId, seq, sampleRate: 24000, pcm: tone(seq) });
    }
    if (!end) return;
    proxy.stream({ type: 'speech.end', turnId, samples: chunks * CHUNK });
    proxy.turnEvent({ type: 'done', turnId, text: Array.from({ length: chunks }, (_, i) => `word${i}`).join(' '), interrupted: false, speechSamples: chunks * CHUNK });
  }

  /**
   * Sends a typed question the proxy accepts in the engine's place, and returns its turn id. Main never hears of
   * such a turn, so the proxy also stores its spoken reply.
   */
  async function ask(question: string) {
    proxy.answer('chat.send', (payload) => {
      simulated.add(payload.turnId as string);
      return { ok: true, value: { turnId: payload.turnId } };
    });
    proxy.answer('conversations.saveAudio', (payload) =>
      simulated.has(payload.turnId as string)
        ? { ok: true, value: { file: `c/${payload.turnId}/speech.wav`, sampleRate: 24000, samples: (payload.pcm as Uint8Array).byteLength / 4 } }
        : undefined,
    );
    const input = page.getByRole('textbox', { name: 'Message' });
    await input.fill(question);
    await input.press('Enter');
    await poll(() => proxy.invokes('chat.send').some((p) => p.text === question)).toBe(true);
    return proxy.invokes('chat.send').at(-1)?.turnId as string;
  }

  it('plays a streamed spoken reply gaplessly, with no main-thread task over 50 ms', async () => {
    const turnId = await ask('Tell me a story');
    await page.evaluate(() => {
      const longTasks: number[] = [];
      new PerformanceObserver((list) => list.getEntries().forEach((entry) => longTasks.push(entry.duration))).observe({ type: 'longtask' });
      // Also the worst lateness of a 10 ms timer: how long the main thread was ever busy, long task or not.
      const load = { longTasks, worstLateMs: 0 };
      let last = performance.now();
      setInterval(() => {
        const now = performance.now();
        load.worstLateMs = Math.max(load.worstLateMs, now - last - 10);
        last = now;
      }, 10);
      Object.assign(window, { load });
    });
    const before = (await reports()).length;
    await reply(turnId, 40, 80);
    await text(voiceStatus()).toBe('Speaking…');
    await shot(page, 'voice-speaking');
    await text(voiceStatus()).toBe('');
    const played = (await reports()).slice(before);
    expect(played).toEqual([
      { type: 'started', track: turnId },
      { type: 'finished', track: turnId, samplesPlayed: 40 * CHUNK, interrupted: false, stats: { underruns: 0, padSamples: 240, refusedSamples: 0 } },
    ]);
    const { longTasks, worstLateMs } = await page.evaluate(() => (window as unknown as { load: { longTasks: number[]; worstLateMs: number } }).load);
    console.log(`A 3.2 s streamed reply: ${longTasks.length} long tasks; a 10 ms timer was at worst ${worstLateMs.toFixed(1)} ms late`);
    expect(longTasks).toEqual([]);
    const answers = log().getByRole('article', { name: 'Omnidesk' });
    story = answers.nth((await answers.count()) - 1);
    await text(story).toContain('word39');
    await story.getByRole('button', { name: 'Play reply 3.2 s' }).waitFor();
    await poll(() => savedSpeech(turnId)?.pcm.byteLength).toBe(40 * CHUNK * 4);
    expect(savedSpeech(turnId)?.sampleRate).toBe(24000);
  });

  it('Stop cuts the reply within a fade, reports the samples heard, and late chunks stay silent', async () => {
    const turnId = await ask('Tell me a long story');
    proxy.answer('chat.interrupt', () => ({ ok: true, value: { interrupted: true } }));
    const before = (await reports()).length;
    const streaming = reply(turnId, 50, 20, { end: false });
    await text(voiceStatus()).toBe('Speaking…');
    const speakingAt = Date.now();
    await sleep(700);
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    const heardMs = Date.now() - speakingAt;
    await streaming;
    await poll(() => proxy.invokes('chat.interrupt').length).toBeGreaterThan(0);
    const interrupt = proxy.invokes('chat.interrupt').at(-1) as { turnId: string; heardSamples: number };
    const finished = (await reports()).slice(before).find((r) => r.type === 'finished');
    expect(finished).toMatchObject({ track: turnId, interrupted: true, samplesPlayed: interrupt.heardSamples });
    expect(interrupt.turnId).toBe(turnId);
    // Heard is what the worklet played: about the time it was audible, never the 4 s that had arrived.
    expect(interrupt.heardSamples / SPEECH_RATE).toBeGreaterThan(heardMs / 1000 - 0.2);
    expect(interrupt.heardSamples / SPEECH_RATE).toBeLessThan(heardMs / 1000 + 0.3);
    proxy.turnEvent({ type: 'done', turnId, text: 'word0 word1', interrupted: true, speechSamples: interrupt.heardSamples });

    proxy.stream({ type: 'speech.chunk', turnId, seq: 50, sampleRate: 24000, pcm: tone(50) });
    await sleep(300);
    expect((await reports()).slice(before).filter((r) => r.type === 'started')).toHaveLength(1);
    const answer = log().getByRole('article', { name: 'Omnidesk' }).last();
    await text(answer).toContain(`Speech stopped after ${(interrupt.heardSamples / SPEECH_RATE).toFixed(1)} s.`);
    // Only what was heard is kept with the conversation.
    await poll(() => savedSpeech(turnId)?.pcm.byteLength).toBe(interrupt.heardSamples * 4);
  });

  it('push-to-talk while the assistant speaks stops it at once and reports what was heard, then listens', async () => {
    const turnId = await ask('And another one');
    proxy.answer('chat.send', () => undefined);
    const before = (await reports()).length;
    const streaming = reply(turnId, 50, 20, { end: false });
    await text(voiceStatus()).toBe('Speaking…');
    await streaming;
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    const interrupts = proxy.invokes('chat.interrupt').length;
    const { received } = await hold(800, () => page.keyboard.down('Space'), () => page.keyboard.up('Space'));
    const interrupt = proxy.invokes('chat.interrupt')[interrupts] as { turnId: string; heardSamples: number };
    const finished = (await reports()).slice(before).find((r) => r.type === 'finished');
    expect(finished).toMatchObject({ track: turnId, interrupted: true, samplesPlayed: interrupt.heardSamples });
    expect(interrupt.turnId).toBe(turnId);
    proxy.turnEvent({ type: 'done', turnId, text: 'word0', interrupted: true, speechSamples: interrupt.heardSamples });
    // The interrupting question goes to the engine as the next turn.
    await poll(() => proxy.invokes('chat.send').at(-1)?.turnId).toBe(received.turnId);
    await text(log().getByRole('article', { name: 'Omnidesk' }).last()).toContain('No model installed');
  });

  it('replays a kept reply from the start', async () => {
    const before = (await reports()).length;
    await story.getByRole('button', { name: 'Play reply 3.2 s' }).click();
    await story.getByRole('button', { name: 'Stop speaking' }).waitFor();
    await poll(async () => (await reports()).slice(before).find((r) => r.type === 'finished')).toMatchObject({
      samplesPlayed: 40 * CHUNK,
      interrupted: false,
      stats: { underruns: 0 },
    });
    expect((await reports())[before].track).toMatch(/#replay-1$/);
    await story.getByRole('button', { name: 'Play reply 3.2 s' }).waitFor();
    await shot(page, 'voice-conversation');
  });

  it('talks with the key chosen in Settings, even from the text box when that key types nothing', async () => {
    const nav = page.getByRole('navigation', { name: 'Sections' });
    await nav.getByRole('button', { name: 'Settings' }).click();
    await page.getByRole('button', { name: /^Push-to-talk key: Space\. Change$/ }).click();
    await page.keyboard.press('F8');
    await page.getByRole('button', { name: /^Push-to-talk key: F8\. Change$/ }).waitFor();
    await nav.getByRole('button', { name: 'Conversation' }).click();
    await text(page.getByRole('form', { name: 'Compose' })).toContain('Hold F8 or the talk button to speak');
    await page.getByRole('textbox', { name: 'Message' }).focus();
    const { received } = await hold(700, () => page.keyboard.down('F8'), () => page.keyboard.up('F8'));
    await poll(() => proxy.invokes('chat.send').at(-1)?.turnId).toBe(received.turnId);
    expect(await page.getByRole('textbox', { name: 'Message' }).inputValue()).toBe('');
  });

  it('ran without console errors or Content-Security-Policy violations', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
