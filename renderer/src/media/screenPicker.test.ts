import { describe, expect, it, vi } from 'vitest';
import type { CaptureSource } from '../../../main/ipc/contract';
import { createAttachmentsStore } from './attachments';
import type { ImageAttachment } from './images';
import { createScreenPickerStore } from './screenPicker';

const notes: CaptureSource = { id: 'window:42:0', name: 'Notes', kind: 'window', thumbnail: new Uint8Array([1]) };
const screen: CaptureSource = { id: 'screen:1:0', name: 'Entire screen', kind: 'screen', thumbnail: new Uint8Array([2]) };
const shot: ImageAttachment = { kind: 'image', name: 'Screenshot 14:03:07.png', mime: 'image/png', data: new Uint8Array([137, 80]) };

function setup(sources: CaptureSource[] = [screen, notes]) {
  const api = {
    screen: {
      sources: vi.fn(async () => ({ sources })),
      choose: vi.fn(async ({ sourceId }: { sourceId: string }) => ({ sourceId, validForMs: 15_000 })),
    },
  };
  const attachments = createAttachmentsStore();
  const capture = vi.fn(async (): Promise<ImageAttachment | undefined> => shot);
  const picker = createScreenPickerStore({ api, attachments, capture });
  const attached = () => attachments.getState().items.map((item) => item.attachment);
  return { api, attachments, capture, picker, state: () => picker.getState(), attached };
}

describe('the screen picker', () => {
  it('opens on the listed sources, and the chosen one is named to main before it is captured and attached', async () => {
    const { api, capture, state, attached } = setup();
    await state().open();
    expect([state().phase, state().sources]).toEqual(['choosing', [screen, notes]]);
    expect(capture).not.toHaveBeenCalled();
    await state().choose('window:42:0');
    expect(api.screen.choose).toHaveBeenCalledWith({ sourceId: 'window:42:0' });
    expect(api.screen.choose.mock.invocationCallOrder[0]).toBeLessThan(capture.mock.invocationCallOrder[0]);
    expect([state().phase, state().sources, attached()]).toEqual(['closed', [], [shot]]);
  });

  it('goes straight to the browser’s own picker where main lists no sources', async () => {
    const { api, capture, state, attached } = setup([]);
    await state().open();
    expect(capture).toHaveBeenCalledOnce();
    expect(api.screen.choose).not.toHaveBeenCalled();
    expect([state().phase, attached()]).toEqual(['closed', [shot]]);
  });

  it('closes without capturing on cancel, even when the list arrives after it', async () => {
    const { api, capture, state, attached } = setup();
    let answer: (value: { sources: CaptureSource[] }) => void = () => undefined;
    api.screen.sources.mockReturnValueOnce(new Promise((resolve) => (answer = resolve)));
    const opening = state().open();
    expect(state().phase).toBe('listing');
    state().cancel();
    answer({ sources: [notes] });
    await opening;
    await state().choose('window:42:0');
    expect([state().phase, attached(), capture.mock.calls.length, api.screen.choose.mock.calls.length]).toEqual(['closed', [], 0, 0]);
  });

  it('attaches nothing, and says nothing, when the user declines the capture', async () => {
    const { capture, state, attached, attachments } = setup([]);
    capture.mockResolvedValueOnce(undefined);
    await state().open();
    expect([attached(), attachments.getState().problem]).toEqual([[], undefined]);
  });

  it('explains a source main refused, a list that failed and a capture that failed', async () => {
    const { api, capture, state, attachments } = setup();
    const problem = () => attachments.getState().problem;
    api.screen.choose.mockRejectedValueOnce({ code: 'INVALID_REQUEST', message: 'screen.choose: sourceId "window:42:0" is not a screen or window that can be captured now' });
    await state().open();
    await state().choose('window:42:0');
    expect([state().phase, problem(), capture.mock.calls.length]).toEqual(['closed', 'screen.choose: sourceId "window:42:0" is not a screen or window that can be captured now', 0]);

    api.screen.sources.mockRejectedValueOnce({ code: 'INTERNAL', message: 'desktopCapturer failed' });
    await state().open();
    expect([state().phase, problem()]).toEqual(['closed', 'The screens and windows could not be listed: desktopCapturer failed']);

    capture.mockRejectedValueOnce(new DOMException('Permission denied by system', 'NotAllowedError'));
    await state().open();
    await state().choose('screen:1:0');
    expect([state().phase, problem()]).toEqual(['closed', 'Screen capture access was denied.']);
  });
});
