/**
 * A turn as OpenAI chat messages with content parts, the form every OpenAI-compatible server reads: images as
 * `image_url` data URLs, audio as `input_audio` (WAV or MP3, the two formats OpenAI defines), video as vLLM's
 * `video_url` data URL. The order inside the user message is the local assistant's: media, then the spoken
 * question, then the typed text.
 *
 * Choices that make one request work on vLLM-Omni and on `omnidesk serve` alike:
 *  - push-to-talk audio is resampled to 16 kHz (the model's rate) and sent as a 16-bit WAV;
 *  - an audio attachment that is neither WAV nor MP3 is decoded here (ffmpeg) and sent as a 16 kHz WAV;
 *  - a webcam clip becomes a Motion-JPEG Matroska file (its JPEGs copied, not re-encoded) rather than vLLM's
 *    `data:video/jpeg` frame list, which other servers cannot decode, or one image per frame, which loses the
 *    clip's timing and costs a full image's tokens per frame.
 */
import { encodeWav } from '../../store/wav';
import { OmniError } from '../errors';
import { loadAudio } from '../processor/audio/loadAudio';
import { microphoneWaveform } from '../processor/audio/microphone';
import type { Attachment, RemoteChatSendRequest } from '../protocol';
import type { CapturedAudio } from '../omni/micCapture';
import { mjpegClip } from './webcamClip';

export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string } }
  | { type: 'input_audio'; input_audio: { data: string; format: 'wav' | 'mp3' } }
  | { type: 'video_url'; video_url: { url: string } };

export type ChatMessage =
  | { role: 'system'; content: string }
  | { role: 'user'; content: ContentPart[] }
  | { role: 'assistant'; content: string };

const MODEL_AUDIO_RATE = 16_000;
const PASSED_THROUGH_AUDIO: Record<string, 'wav' | 'mp3'> = {
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/vnd.wave': 'wav',
  'audio/mpeg': 'mp3',
  'audio/mp3': 'mp3',
};

/** The user's side of a turn; throws when it holds nothing, or when a medium cannot be prepared. */
export async function userMessage(request: RemoteChatSendRequest, mic: CapturedAudio | undefined, scratchDir: string): Promise<ChatMessage> {
  const content: ContentPart[] = [];
  for (const attachment of request.attachments) content.push(await mediaPart(attachment, scratchDir));
  if (mic) {
    const waveform = microphoneWaveform(mic, { name: `microphone audio of turn ${request.turnId}` });
    content.push(inputAudio(encodeWav(waveform, MODEL_AUDIO_RATE), 'wav'));
  }
  if (request.text.trim()) content.push({ type: 'text', text: request.text });
  if (content.length === 0) throw new OmniError('INVALID_REQUEST', `Turn ${request.turnId} is empty: no text, attachment or speech.`);
  return { role: 'user', content };
}

async function mediaPart(attachment: Attachment, scratchDir: string): Promise<ContentPart> {
  switch (attachment.kind) {
    case 'image':
      return { type: 'image_url', image_url: { url: dataUrl(attachment.mime, attachment.data) } };
    case 'audio': {
      const format = PASSED_THROUGH_AUDIO[attachment.mime.toLowerCase()];
      if (format) return inputAudio(attachment.data, format);
      const waveform = await loadAudio(attachment.data, { name: `audio attachment "${attachment.name}"` });
      return inputAudio(encodeWav(waveform, MODEL_AUDIO_RATE), 'wav');
    }
    case 'video':
      return { type: 'video_url', video_url: { url: dataUrl(attachment.mime, attachment.data) } };
    case 'frames':
      return { type: 'video_url', video_url: { url: dataUrl('video/x-matroska', await mjpegClip(attachment, scratchDir)) } };
  }
}

function inputAudio(bytes: Uint8Array, format: 'wav' | 'mp3'): ContentPart {
  return { type: 'input_audio', input_audio: { data: base64(bytes), format } };
}

function dataUrl(mime: string, bytes: Uint8Array): string {
  return `data:${mime};base64,${base64(bytes)}`;
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}
