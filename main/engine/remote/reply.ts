/**
 * Reads the chunks of a chat completion into the turn's text and speech, whichever dialect the server speaks:
 *  - OpenAI streaming: text in `delta.content`, speech as base64 PCM in `delta.audio.data`, and for audio replies
 *    the text possibly only as `delta.audio.transcript`;
 *  - vLLM-Omni streaming: chunks marked `modality: "audio"` carry base64 speech (a WAV or PCM piece) in
 *    `delta.content`, which must not be read as text;
 *  - a non-streamed completion (a server that ignored `stream`): `message.content` and `message.audio.data`,
 *    vLLM-Omni putting them in two choices.
 * Every choice counts, whatever its `index`: one completion (n = 1) is asked for, and vLLM-Omni gives its text and
 * audio choices the same index while others may number them apart. `finish_reason` is not trusted to end the reply
 * (vLLM-Omni has sent it on the text while audio was still coming): the stream ends at `[DONE]`.
 */
import { OmniError } from '../errors';
import { SpeechDecoder } from './audio';

export type ReplyPart = { type: 'text'; text: string } | { type: 'speech'; samples: Float32Array };

type Json = Record<string, unknown>;

export class ReplyReader {
  /** The reply's text so far. */
  text = '';
  /** Where the text comes from, fixed by the first text seen, so a server sending both never doubles it. */
  private textSource?: 'content' | 'transcript';
  private readonly speech: SpeechDecoder;

  constructor(private readonly server: string) {
    this.speech = new SpeechDecoder(server);
  }

  read(chunk: unknown): ReplyPart[] {
    if (!isJson(chunk)) throw new OmniError('REMOTE_PROTOCOL', `${this.server} sent a chunk that is not a JSON object: ${JSON.stringify(chunk)?.slice(0, 100)}`);
    this.failOnError(chunk);
    const parts: ReplyPart[] = [];
    const audioChunk = chunk.modality === 'audio';
    for (const choice of Array.isArray(chunk.choices) ? chunk.choices : []) {
      const message = isJson(choice) ? (choice.delta ?? choice.message) : undefined;
      if (!isJson(message)) continue;
      if (audioChunk) {
        if (typeof message.content === 'string') this.addSpeech(parts, message.content);
        continue;
      }
      if (typeof message.content === 'string') this.addText(parts, message.content, 'content');
      if (isJson(message.audio)) {
        if (typeof message.audio.data === 'string') this.addSpeech(parts, message.audio.data);
        if (typeof message.audio.transcript === 'string') this.addText(parts, message.audio.transcript, 'transcript');
      }
    }
    return parts;
  }

  private addText(parts: ReplyPart[], text: string, source: 'content' | 'transcript'): void {
    if (!text) return;
    this.textSource ??= source;
    if (source !== this.textSource) return;
    this.text += text;
    parts.push({ type: 'text', text });
  }

  private addSpeech(parts: ReplyPart[], base64: string): void {
    if (!base64) return;
    for (const samples of this.speech.decode(base64)) parts.push({ type: 'speech', samples });
  }

  /** vLLM reports a failure inside the stream as `{"error": {...}}` (older versions: `{"object": "error", ...}`). */
  private failOnError(chunk: Json): void {
    const error = isJson(chunk.error) ? chunk.error : chunk.object === 'error' ? chunk : undefined;
    if (!error) return;
    const message = typeof error.message === 'string' ? error.message : JSON.stringify(error).slice(0, 300);
    throw new OmniError('REMOTE_FAILED', `${this.server} failed in the middle of its answer: ${message}`, "The server's log has the details.");
  }
}

function isJson(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
