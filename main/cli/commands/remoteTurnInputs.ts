/**
 * A headless turn's inputs (cli-contract.md) in the shape of the remote backend's turn request: each media file read
 * into an attachment of the type its bytes show, the texts and the system texts each joined back to back. The chat
 * template writes a message's text items that way too, so the server renders the prompt a local run renders.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { OmniError } from '../../engine/errors';
import { isWav } from '../../engine/processor/audio/wav';
import type { TurnInput } from '../../engine/processor/processor';
import { isBmp } from '../../engine/processor/vision/decodeBmp';
import type { Attachment, RemoteChatSendRequest } from '../../engine/protocol';

export type RemoteTurnInputs = Pick<RemoteChatSendRequest, 'text' | 'system' | 'attachments'>;

export async function remoteTurnInputs(inputs: readonly TurnInput[]): Promise<RemoteTurnInputs> {
  const joined = (kind: 'text' | 'system') => inputs.flatMap((input) => (input.kind === kind ? [input.text] : [])).join('');
  const attachments: Attachment[] = [];
  for (const input of inputs) if ('file' in input) attachments.push(await attachment(input.kind, input.file));
  const system = joined('system');
  return { text: joined('text'), attachments, ...(system && { system }) };
}

async function attachment(kind: Attachment['kind'] & TurnInput['kind'], file: string): Promise<Attachment> {
  const data = await readFile(file).catch(({ code, message }: NodeJS.ErrnoException) => {
    throw new OmniError('INVALID_REQUEST', `--${kind} ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot read it (${message})`}`);
  });
  const name = path.basename(file);
  switch (kind) {
    case 'image':
      return { kind, name, mime: imageType(data, file), data };
    case 'audio':
      return { kind, name, mime: audioType(data), data };
    case 'video':
      return { kind, name, mime: videoType(data), data };
  }
}

const ascii = (bytes: Uint8Array, at: number, length: number) => String.fromCharCode(...bytes.subarray(at, at + length));
const isRiff = (bytes: Uint8Array, form: string) => ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === form;

const IMAGE_TYPES: [Extract<Attachment, { kind: 'image' }>['mime'], (bytes: Uint8Array) => boolean][] = [
  ['image/png', (b) => b[0] === 0x89 && ascii(b, 1, 3) === 'PNG'],
  ['image/jpeg', (b) => b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff],
  ['image/webp', (b) => isRiff(b, 'WEBP')],
  ['image/gif', (b) => ascii(b, 0, 4) === 'GIF8'],
  ['image/bmp', isBmp],
];

/** The image types a server is sent (those of the app's attachments); others are refused here, naming the file. */
function imageType(bytes: Uint8Array, file: string): Extract<Attachment, { kind: 'image' }>['mime'] {
  const found = IMAGE_TYPES.find(([, matches]) => matches(bytes));
  if (!found) throw new OmniError('INVALID_REQUEST', `--image ${file}: not a PNG, JPEG, WebP, GIF or BMP image, the types sent to a server`);
  return found[0];
}

/**
 * WAV and MP3 go to the server as they are; any other audio is decoded here and sent as a 16 kHz WAV
 * (engine/remote/messages.ts), so its exact type does not matter.
 */
function audioType(bytes: Uint8Array): string {
  if (isWav(bytes)) return 'audio/wav';
  // An ID3 tag, or an MPEG audio frame header whose layer bits say layer III.
  const mp3 = ascii(bytes, 0, 3) === 'ID3' || (bytes[0] === 0xff && (bytes[1] & 0xe6) === 0xe2);
  return mp3 ? 'audio/mpeg' : 'audio/x-unknown';
}

/** Servers decode a video by its bytes; the type only names it (Matroska and WebM share one signature). */
function videoType(bytes: Uint8Array): string {
  if (bytes[0] === 0x1a && bytes[1] === 0x45 && bytes[2] === 0xdf && bytes[3] === 0xa3) return 'video/x-matroska';
  if (ascii(bytes, 4, 4) === 'ftyp') return 'video/mp4';
  if (isRiff(bytes, 'AVI ')) return 'video/x-msvideo';
  return 'video/x-unknown';
}
