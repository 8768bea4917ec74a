import { describe, expect, it } from 'vitest';
import { attachmentProblem, createAttachmentsStore } from './attachments';
import { fitWithin } from './images';

const png = (name = 'shot.png', bytes = 3) => new File([new Uint8Array(bytes).fill(7)], name, { type: 'image/png' });
const image = (name: string, bytes = 3) => ({ kind: 'image' as const, name, mime: 'image/png' as const, data: new Uint8Array(bytes) });
const clip = (frames: number, bytes = 10) => ({ kind: 'frames' as const, name: 'Camera clip', fps: 2, frames: Array.from({ length: frames }, () => new Uint8Array(bytes)) });

describe('image frames', () => {
  it('downscales to the longer side, keeping the aspect ratio and never upscaling', () => {
    expect(fitWithin(1920, 1080, 1280)).toEqual({ width: 1280, height: 720 });
    expect(fitWithin(480, 640, 320)).toEqual({ width: 240, height: 320 });
    expect(fitWithin(640, 480, 1280)).toEqual({ width: 640, height: 480 });
    expect(fitWithin(4000, 2, 100)).toEqual({ width: 100, height: 1 });
  });
});

describe('attachment limits', () => {
  it('refuses a sound or video whose type does not match its kind', () => {
    const sound = { kind: 'audio' as const, name: 'a.wav', mime: 'audio/wav', data: new Uint8Array(1) };
    expect(attachmentProblem(sound, 0)).toBeUndefined();
    expect(attachmentProblem({ ...sound, mime: 'video/mp4' }, 0)).toBe('“a.wav” is not an image (PNG, JPEG, WebP, GIF or BMP), a sound or a video file.');
    expect(attachmentProblem({ ...sound, data: new Uint8Array(0) }, 0)).toBe('a.wav is empty.');
  });

  it('allows 16 attachments to a message', () => {
    expect(attachmentProblem(image('a'), 15)).toBeUndefined();
    expect(attachmentProblem(image('a'), 16)).toBe('A message can carry at most 16 attachments.');
  });

  it('allows a clip of 1 to 64 frames of at most 512 KB each', () => {
    expect(attachmentProblem(clip(64, 512 * 1024), 0)).toBeUndefined();
    expect(attachmentProblem(clip(65), 0)).toBe('“Camera clip” has 65 frames; a clip may have at most 64.');
    expect(attachmentProblem(clip(0), 0)).toBe('“Camera clip” has no frames.');
    expect(attachmentProblem(clip(2, 512 * 1024 + 1), 0)).toBe('Frame 1 of “Camera clip” is 513 KB; at most 512 KB fit.');
  });
});

describe('the attachment tray', () => {
  it('adds pasted images in order and hands them all to the next turn', async () => {
    const store = createAttachmentsStore();
    await store.getState().addFiles([png('one.png', 4), png('two.png', 5)]);
    expect(store.getState().items.map((i) => [i.id, i.attachment.name, i.attachment.kind === 'image' && i.attachment.data.byteLength])).toEqual([
      ['attachment-1', 'one.png', 4],
      ['attachment-2', 'two.png', 5],
    ]);
    const taken = store.getState().take();
    expect(taken.map((a) => a.name)).toEqual(['one.png', 'two.png']);
    expect(taken[0].kind === 'image' && [...taken[0].data]).toEqual([7, 7, 7, 7]);
    expect(store.getState().items).toEqual([]);
  });

  it('takes dropped sound and video files as audio and video, as they are', async () => {
    const store = createAttachmentsStore();
    await store.getState().addFiles([new File([new Uint8Array([1, 2])], 'question.ogg', { type: 'audio/ogg' }), new File([new Uint8Array([3])], 'walk.mp4', { type: 'video/mp4' })]);
    expect(store.getState().take()).toEqual([
      { kind: 'audio', name: 'question.ogg', mime: 'audio/ogg', data: new Uint8Array([1, 2]) },
      { kind: 'video', name: 'walk.mp4', mime: 'video/mp4', data: new Uint8Array([3]) },
    ]);
    expect(store.getState().problem).toBeUndefined();
  });

  it('explains a refused file while still adding the good ones beside it', async () => {
    const store = createAttachmentsStore();
    await store.getState().addFiles([new File(['<svg/>'], 'logo.svg', { type: 'image/svg+xml' }), png()]);
    expect(store.getState().items).toHaveLength(1);
    expect(store.getState().problem).toBe('“logo.svg” is not an image (PNG, JPEG, WebP, GIF or BMP), a sound or a video file.');
    store.getState().dismissProblem();
    expect(store.getState().problem).toBeUndefined();
  });

  it('stops at a full tray and says why', async () => {
    const store = createAttachmentsStore();
    for (let i = 0; i < 16; i++) expect(store.getState().add(image(`${i}.png`))).toBe(true);
    await store.getState().addFiles([png('seventeen.png')]);
    expect(store.getState().items).toHaveLength(16);
    expect(store.getState().problem).toBe('A message can carry at most 16 attachments.');
    store.getState().remove('attachment-3');
    expect(store.getState().items.map((i) => i.attachment.name)).not.toContain('2.png');
  });
});
