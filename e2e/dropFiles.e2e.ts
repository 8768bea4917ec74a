/**
 * Files dropped into the composer: images, sound and video files become attachments of the next turn, checked
 * against the engine's limits first; anything else is refused with the file named.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openProxiedPage, type BridgeProxy } from './bridgeProxy';
import { shot, startPreviewSession, type PreviewSession } from './harness';
import { poll, text } from './voiceSession';

const media = (name: string) => [...readFileSync(fileURLToPath(new URL(`../models/fixtures/media/${name}`, import.meta.url)))];

interface Dropped {
  name: string;
  type: string;
  bytes: number[];
}

/** Drops the files on the composer as a file manager would: dragover, then drop, with the files in a DataTransfer. */
const drop = (page: Page, files: Dropped[]) =>
  page.getByRole('form', { name: 'Compose' }).evaluate((form, files) => {
    const data = new DataTransfer();
    for (const file of files) data.items.add(new File([new Uint8Array(file.bytes)], file.name, { type: file.type }));
    form.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true }));
    form.dispatchEvent(new DragEvent('drop', { dataTransfer: data, bubbles: true, cancelable: true }));
  }, files);

describe('dropping files into the composer', () => {
  let session: PreviewSession;
  let page: Page;
  let proxy: BridgeProxy;

  beforeAll(async () => {
    session = await startPreviewSession();
    ({ page, proxy } = await openProxiedPage(session));
    await page.getByRole('status', { name: 'Engine status' }).filter({ hasText: 'Engine: Ready' }).waitFor();
  });
  afterAll(() => session?.close());

  const tray = () => page.getByRole('list', { name: 'Attachments' });

  it('attaches a sound and a video file, and refuses a PDF by name', async () => {
    await drop(page, [
      { name: 'question.wav', type: 'audio/wav', bytes: media('speech_16k_mono.wav') },
      { name: 'notes.pdf', type: 'application/pdf', bytes: [37, 80, 68, 70] },
      { name: 'walk.mkv', type: 'video/x-matroska', bytes: media('video_96x64_25fps_2s4.mkv') },
    ]);
    await poll(() => tray().getByRole('listitem').count()).toBe(2);
    expect(await tray().getByRole('img').evaluateAll((images) => images.map((image) => image.getAttribute('aria-label')))).toEqual(['question.wav', 'walk.mkv']);
    await text(page.getByRole('alert')).toContain('“notes.pdf” is not an image (PNG, JPEG, WebP, GIF or BMP), a sound or a video file.');
    await shot(page, 'composer-dropped-files');
  });

  it('sends them with the question, as the files were, through main’s and the engine’s checks', async () => {
    const input = page.getByRole('textbox', { name: 'Message' });
    await input.fill('What is said, and what is seen?');
    await input.press('Enter');
    // Validated by main and by the engine against the contract before the missing model was noticed.
    await text(page.getByRole('log', { name: 'Messages' }).getByRole('article', { name: 'Omnidesk' }).last()).toContain('No model installed');
    const { attachments } = proxy.invokes('chat.send').at(-1) as { attachments: Array<{ kind: string; name: string; mime: string; data: Uint8Array }> };
    expect(attachments.map(({ kind, name, mime, data }) => [kind, name, mime, data.byteLength])).toEqual([
      ['audio', 'question.wav', 'audio/wav', media('speech_16k_mono.wav').length],
      ['video', 'walk.mkv', 'video/x-matroska', media('video_96x64_25fps_2s4.mkv').length],
    ]);
  });

  it('ran without console errors or Content-Security-Policy violations', () => {
    expect(session.pageErrors).toEqual([]);
  });
});
