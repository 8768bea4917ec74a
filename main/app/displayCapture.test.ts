import { describe, expect, it, vi } from 'vitest';
import { CHOICE_VALID_MS, DisplayCapture, THUMBNAIL_SIZE, toCaptureSource } from './displayCapture';
import { fakeSource } from './fakeElectron';

function setup() {
  const listed = [fakeSource('screen:1:0', 'Entire screen'), fakeSource('window:42:0', 'Notes — Omnidesk.md', [9, 9])];
  const capturer = { getSources: vi.fn(async (_options: Electron.SourcesOptions) => [...listed]) };
  let now = 1_000;
  const capture = new DisplayCapture(capturer as never, () => now);
  return { capture, capturer, listed, window: {}, later: (ms: number) => (now += ms) };
}

describe('screen and window sources', () => {
  it('lists screens and windows with PNG thumbnails and the window’s application icon at 32 px', async () => {
    const { capture, capturer } = setup();
    await expect(capture.sources()).resolves.toEqual([
      { id: 'screen:1:0', name: 'Entire screen', kind: 'screen', thumbnail: new Uint8Array([1, 2, 3]) },
      { id: 'window:42:0', name: 'Notes — Omnidesk.md', kind: 'window', thumbnail: new Uint8Array([1, 2, 3]), icon: new Uint8Array([9, 9, 32]) },
    ]);
    expect(capturer.getSources).toHaveBeenCalledWith({ types: ['screen', 'window'], thumbnailSize: THUMBNAIL_SIZE, fetchWindowIcons: true });
  });

  it('gives a source without a picture an empty thumbnail rather than failing the list', () => {
    const source = { ...fakeSource('window:7:0', 'Minimised'), thumbnail: { isEmpty: () => true } };
    expect(toCaptureSource(source as never)).toEqual({ id: 'window:7:0', name: 'Minimised', kind: 'window', thumbnail: new Uint8Array() });
  });
});

describe('the choice of a window', () => {
  it('is granted to that window once, as the very source desktopCapturer lists', async () => {
    const { capture, listed, window } = setup();
    await expect(capture.choose(window, 'window:42:0')).resolves.toEqual({ sourceId: 'window:42:0', validForMs: CHOICE_VALID_MS });
    await expect(capture.take(window)).resolves.toBe(listed[1]);
    await expect(capture.take(window)).resolves.toBeUndefined();
  });

  it('belongs to the window that made it', async () => {
    const { capture, window } = setup();
    await capture.choose(window, 'screen:1:0');
    await expect(capture.take({})).resolves.toBeUndefined();
    await expect(capture.take(undefined)).resolves.toBeUndefined();
    await expect(capture.take(window)).resolves.toMatchObject({ id: 'screen:1:0' });
  });

  it(`lapses after ${CHOICE_VALID_MS / 1000} s`, async () => {
    const { capture, window, later } = setup();
    await capture.choose(window, 'screen:1:0');
    later(CHOICE_VALID_MS + 1);
    await expect(capture.take(window)).resolves.toBeUndefined();
  });

  it('refuses a source that is not listed, and grants nothing for a window closed since it was chosen', async () => {
    const { capture, listed, window } = setup();
    await expect(capture.choose(window, 'window:99:0')).rejects.toMatchObject({
      code: 'INVALID_REQUEST',
      message: 'screen.choose: sourceId "window:99:0" is not a screen or window that can be captured now',
    });
    await capture.choose(window, 'window:42:0');
    listed.pop();
    await expect(capture.take(window)).resolves.toBeUndefined();
  });
});
