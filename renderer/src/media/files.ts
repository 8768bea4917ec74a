/**
 * A file the user pastes, drops or picks, as an attachment. Images must be a type the engine's image processor
 * decodes; sound and video files of any type go to the engine as they are, where ffmpeg reads them. Every file
 * is checked before its bytes are read, so a 2 GB film is refused without loading it.
 */
import type { Attachment } from '../../../main/ipc/contract';
import { LIMITS } from '../../../main/ipc/schemas/values';
import { IMAGE_TYPES, type ImageType } from './images';

export type FileAttachment = Extract<Attachment, { kind: 'image' | 'audio' | 'video' }>;

export interface FileFacts {
  name: string;
  type: string;
  size: number;
}

const MB = 1024 * 1024;
const KIND_NAMES: Record<FileAttachment['kind'], string> = { image: 'an image', audio: 'a sound file', video: 'a video' };

/** What a file of this MIME type becomes, or undefined when the model cannot take it. */
export function fileKind(type: string): FileAttachment['kind'] | undefined {
  if ((IMAGE_TYPES as readonly string[]).includes(type)) return 'image';
  if (/^audio\/[\w.+-]+$/.test(type)) return 'audio';
  if (/^video\/[\w.+-]+$/.test(type)) return 'video';
  return undefined;
}

/** What the file picker offers: the image types, and any sound or video file. */
export const ACCEPTED_FILES = [...IMAGE_TYPES, 'audio/*', 'video/*'].join(',');

/** Why a file of this type cannot be attached (as `kind`, when given), or undefined. */
export function typeProblem(name: string, type: string, kind?: FileAttachment['kind']): string | undefined {
  const actual = fileKind(type);
  if (actual && (kind === undefined || actual === kind)) return undefined;
  return `“${name}” is not an image (PNG, JPEG, WebP, GIF or BMP), a sound or a video file.`;
}

/** Why a file cannot be attached, or undefined when it can. */
export function fileProblem(file: FileFacts): string | undefined {
  const kind = fileKind(file.type);
  if (!kind) return typeProblem(file.name, file.type);
  if (file.size === 0) return `“${file.name}” is empty.`;
  if (file.size > LIMITS.attachmentBytes) {
    return `“${file.name}” is ${(file.size / MB).toFixed(1)} MB; ${KIND_NAMES[kind]} may be at most ${LIMITS.attachmentBytes / MB} MB.`;
  }
  return undefined;
}

/** The file as an attachment; check it with `fileProblem` first. */
export async function attachmentFromFile(file: File): Promise<FileAttachment> {
  const data = new Uint8Array(await file.arrayBuffer());
  const kind = fileKind(file.type);
  if (kind === 'image') return { kind, name: file.name || 'Pasted image', mime: file.type as ImageType, data };
  if (kind === 'audio' || kind === 'video') return { kind, name: file.name || `Pasted ${kind}`, mime: file.type, data };
  throw new Error(fileProblem(file));
}
