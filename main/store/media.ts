/**
 * Media files beside the database: `media/<conversation>/<turn>/<name>`. Names are made here from the attachment's
 * position and type — never from the user's file name — and ids are restricted to [A-Za-z0-9_-], so no stored path
 * can leave the media folder.
 */
import { mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Attachment } from '../engine/protocol';
import { OmniError } from '../engine/errors';
import { CONVERSATION_LIMITS, MediaPath, type StoredAttachment } from '../ipc/schemas/conversations';

const EXTENSIONS: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'image/gif': 'gif',
  'image/bmp': 'bmp',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/mpeg': 'mp3',
  'audio/ogg': 'ogg',
  'audio/webm': 'webm',
  'audio/flac': 'flac',
  'audio/mp4': 'm4a',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'video/quicktime': 'mov',
};

const MIME_OF_EXTENSION: Record<string, string> = { ...Object.fromEntries(Object.entries(EXTENSIONS).map(([mime, ext]) => [ext, mime])), wav: 'audio/wav', jpg: 'image/jpeg' };

const extensionOf = (mime: string) => EXTENSIONS[mime.toLowerCase().split(';')[0].trim()] ?? 'bin';

export class MediaFolder {
  constructor(readonly root: string) {}

  /** Absolute path of a stored relative path; refuses anything the store would not have written. */
  resolve(file: string): string {
    if (!MediaPath.safeParse(file).success) throw new OmniError('INVALID_REQUEST', `"${file}" is not a media file of a conversation`);
    return path.join(this.root, ...file.split('/'));
  }

  turnDir = (conversationId: string, turnId: string) => `${conversationId}/${turnId}`;

  async write(file: string, bytes: Uint8Array): Promise<void> {
    const at = this.resolve(file);
    await mkdir(path.dirname(at), { recursive: true });
    await writeFile(at, bytes);
  }

  /** Writes a turn's attachments and describes them for the message row. */
  async saveAttachments(conversationId: string, turnId: string, attachments: Attachment[]): Promise<StoredAttachment[]> {
    const dir = this.turnDir(conversationId, turnId);
    const stored: StoredAttachment[] = [];
    for (const [index, attachment] of attachments.entries()) {
      const base = `${dir}/${index}-${attachment.kind}`;
      if (attachment.kind === 'frames') {
        const files = attachment.frames.map((_, frame) => `${base}/${String(frame).padStart(4, '0')}.jpg`);
        await Promise.all(attachment.frames.map((bytes, frame) => this.write(files[frame], bytes)));
        const bytes = attachment.frames.reduce((sum, frame) => sum + frame.byteLength, 0);
        stored.push({ kind: 'frames', name: attachment.name, mime: 'image/jpeg', files, bytes });
      } else {
        const file = `${base}.${extensionOf(attachment.mime)}`;
        await this.write(file, attachment.data);
        stored.push({ kind: attachment.kind, name: attachment.name, mime: attachment.mime, files: [file], bytes: attachment.data.byteLength });
      }
    }
    return stored;
  }

  async read(file: string): Promise<{ mime: string; data: Uint8Array<ArrayBuffer> }> {
    const data = await readFile(this.resolve(file)).catch((error: NodeJS.ErrnoException) => {
      throw new OmniError('INVALID_REQUEST', `The media file ${file} is gone (${error.code ?? error.message})`);
    });
    if (data.byteLength > CONVERSATION_LIMITS.mediaBytes) throw new OmniError('INVALID_REQUEST', `The media file ${file} is larger than ${CONVERSATION_LIMITS.mediaBytes} bytes`);
    const ext = path.extname(file).slice(1);
    return { mime: MIME_OF_EXTENSION[ext] ?? 'application/octet-stream', data: new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength) };
  }

  removeConversation = (conversationId: string) => rm(path.join(this.root, conversationId), { recursive: true, force: true });

  /** Folders of conversations that no longer exist: left when the app stopped between deleting rows and files. */
  async sweep(exists: (conversationId: string) => boolean): Promise<string[]> {
    const folders = await readdir(this.root).catch(() => [] as string[]);
    const orphans = folders.filter((name) => !exists(name));
    await Promise.all(orphans.map((name) => this.removeConversation(name)));
    return orphans;
  }
}
