import { describe, expect, it } from 'vitest';
import { ACCEPTED_FILES, attachmentFromFile, fileKind, fileProblem } from './files';

const MB = 1024 * 1024;

describe('files as attachments', () => {
  it('takes the five image types the engine decodes, and any sound or video type', () => {
    expect(['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/bmp'].map(fileKind)).toEqual(['image', 'image', 'image', 'image', 'image']);
    expect(['audio/wav', 'audio/mpeg', 'audio/x-m4a', 'video/mp4', 'video/webm', 'video/quicktime'].map(fileKind)).toEqual(['audio', 'audio', 'audio', 'video', 'video', 'video']);
    expect(['image/svg+xml', 'application/pdf', 'text/plain', '', 'audio/', 'video'].map(fileKind)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
    expect(ACCEPTED_FILES).toBe('image/png,image/jpeg,image/webp,image/gif,image/bmp,audio/*,video/*');
  });

  it('accepts up to 32 MB and names the file and the problem otherwise', () => {
    expect(fileProblem({ name: 'a.webp', type: 'image/webp', size: 32 * MB })).toBeUndefined();
    expect(fileProblem({ name: 'talk.mp3', type: 'audio/mpeg', size: 32 * MB })).toBeUndefined();
    expect(fileProblem({ name: 'notes.pdf', type: 'application/pdf', size: 10 })).toBe('“notes.pdf” is not an image (PNG, JPEG, WebP, GIF or BMP), a sound or a video file.');
    expect(fileProblem({ name: 'a.png', type: 'image/png', size: 0 })).toBe('“a.png” is empty.');
    expect(fileProblem({ name: 'big.jpg', type: 'image/jpeg', size: 40 * MB })).toBe('“big.jpg” is 40.0 MB; an image may be at most 32 MB.');
    expect(fileProblem({ name: 'song.flac', type: 'audio/flac', size: 33 * MB })).toBe('“song.flac” is 33.0 MB; a sound file may be at most 32 MB.');
    expect(fileProblem({ name: 'film.mkv', type: 'video/x-matroska', size: 2048 * MB })).toBe('“film.mkv” is 2048.0 MB; a video may be at most 32 MB.');
  });

  it('reads a file into the attachment of its kind, naming a pasted one that has no name', async () => {
    await expect(attachmentFromFile(new File([new Uint8Array([9])], 'a.gif', { type: 'image/gif' }))).resolves.toEqual({ kind: 'image', name: 'a.gif', mime: 'image/gif', data: new Uint8Array([9]) });
    await expect(attachmentFromFile(new File([new Uint8Array([1])], '', { type: 'audio/wav' }))).resolves.toEqual({ kind: 'audio', name: 'Pasted audio', mime: 'audio/wav', data: new Uint8Array([1]) });
    await expect(attachmentFromFile(new File(['x'], 'a.txt', { type: 'text/plain' }))).rejects.toThrow('“a.txt” is not an image');
  });
});
