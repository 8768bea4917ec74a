/**
 * Export of one conversation into a folder of its own: `conversation.md` (readable anywhere, media linked by
 * relative path), `conversation.json` (everything stored, for scripts and re-import) and `media/…` with the images
 * and the recordings as WAV files. Written into a temporary folder and renamed, so an export is there whole or not.
 */
import { copyFile, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ConversationDetail, ExportFormat, StoredMessage } from '../ipc/schemas/conversations';
import type { MediaFolder } from './media';

export const EXPORT_FORMAT_VERSION = 1;

const iso = (ms: number) => new Date(ms).toISOString();
const seconds = (audio: NonNullable<StoredMessage['audio']>) => (audio.samples / audio.sampleRate).toFixed(1);

/** A folder name from the title: letters, digits and dashes, never empty, never a path. */
export function exportFolderName(conversation: Pick<ConversationDetail, 'id' | 'title' | 'createdAt'>): string {
  const slug = conversation.title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 48)
    .toLowerCase();
  return `${slug || 'conversation'}-${iso(conversation.createdAt).slice(0, 10)}-${conversation.id.slice(0, 8)}`;
}

/** Where a stored media path goes inside the export: `media/<turn>/<name>` (the conversation is the folder). */
const exportedPath = (file: string) => `media/${file.split('/').slice(1).join('/')}`;

const STATUS_NOTE: Partial<Record<StoredMessage['status'], string>> = {
  interrupted: '_Interrupted._',
  streaming: '_Still being written when exported._',
};

function markdownMessage(message: StoredMessage): string {
  const who = message.role === 'user' ? 'You' : 'Omnidesk';
  const lines = [`## ${who} · ${iso(message.createdAt).replace('T', ' ').slice(0, 16)} UTC`, ''];
  if (message.text) lines.push(message.text, '');
  for (const attachment of message.attachments) {
    const files = attachment.files.map(exportedPath);
    if (attachment.kind === 'image') lines.push(`![${attachment.name || 'image'}](${files[0]})`, '');
    else if (attachment.kind === 'frames') lines.push(`Webcam clip, ${files.length} frames: ${files.map((f, i) => `[${i + 1}](${f})`).join(' ')}`, '');
    else lines.push(`[${attachment.kind}: ${attachment.name || path.basename(files[0])}](${files[0]})`, '');
  }
  if (message.audio) {
    const label = message.role === 'user' ? 'Recording' : 'Spoken reply';
    lines.push(`[${label} (${seconds(message.audio)} s, WAV)](${exportedPath(message.audio.file)})`, '');
  }
  const note = message.status === 'error' ? `_Failed: ${message.error?.message ?? 'unknown error'}_` : STATUS_NOTE[message.status];
  if (note) lines.push(note, '');
  return lines.join('\n');
}

export function toMarkdown(conversation: ConversationDetail, exportedAt: number): string {
  const header = [`# ${conversation.title}`, '', `Exported from Omnidesk on ${iso(exportedAt)}; ${conversation.messages.length} messages.`, ''];
  return [...header, ...conversation.messages.map(markdownMessage)].join('\n');
}

export function toJson(conversation: ConversationDetail, exportedAt: number): string {
  const { messages, ...summary } = conversation;
  const document = {
    format: 'omnidesk-conversation',
    version: EXPORT_FORMAT_VERSION,
    exportedAt: iso(exportedAt),
    conversation: { ...summary, createdAt: iso(summary.createdAt), updatedAt: iso(summary.updatedAt) },
    messages: messages.map((m) => ({
      ...m,
      createdAt: iso(m.createdAt),
      attachments: m.attachments.map((a) => ({ ...a, files: a.files.map(exportedPath) })),
      ...(m.audio ? { audio: { ...m.audio, file: exportedPath(m.audio.file) } } : {}),
    })),
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

export interface ExportResult {
  folder: string;
  /** Relative to `folder`, sorted. */
  files: string[];
}

export async function exportConversation(
  conversation: ConversationDetail,
  formats: ExportFormat[],
  media: MediaFolder,
  parent: string,
  exportedAt: number,
): Promise<ExportResult> {
  const folder = path.join(parent, exportFolderName(conversation));
  const staging = `${folder}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const files: string[] = [];
    if (formats.includes('markdown')) {
      await writeFile(path.join(staging, 'conversation.md'), toMarkdown(conversation, exportedAt));
      files.push('conversation.md');
    }
    if (formats.includes('json')) {
      await writeFile(path.join(staging, 'conversation.json'), toJson(conversation, exportedAt));
      files.push('conversation.json');
    }
    const stored = conversation.messages.flatMap((m) => [...m.attachments.flatMap((a) => a.files), ...(m.audio ? [m.audio.file] : [])]);
    for (const file of stored) {
      const target = path.join(staging, ...exportedPath(file).split('/'));
      await mkdir(path.dirname(target), { recursive: true });
      // A file removed by hand costs only its own link, not the export of everything else.
      const copied = await copyFile(media.resolve(file), target).then(
        () => true,
        (error: NodeJS.ErrnoException) => {
          if (error.code === 'ENOENT') return false;
          throw error;
        },
      );
      if (copied) files.push(exportedPath(file));
    }
    // Exporting again replaces the earlier export of the same conversation.
    await rm(folder, { recursive: true, force: true });
    await rename(staging, folder);
    return { folder, files: files.sort() };
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
