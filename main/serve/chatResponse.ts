/**
 * The response bodies of `POST /v1/chat/completions`: the whole `chat.completion`, the streamed
 * `chat.completion.chunk`s, usage, and speech as OpenAI carries it — a 24 kHz mono WAV, or raw 16-bit little-endian
 * PCM (`pcm16`) whose bytes are exactly the WAV's samples.
 */
import { randomUUID } from 'node:crypto';
import { SPEECH_SAMPLE_RATE } from '../engine/omni/code2wav';
import type { StopReason } from '../engine/omni/thinker';
import { encodeWav } from '../store/wav';

/** What every chunk of one completion repeats. */
export interface CompletionMeta {
  id: string;
  created: number;
  model: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { audio_tokens: number };
}

export interface ReplyAudio {
  id: string;
  expires_at: number;
  /** Base64 of the format asked for. */
  data: string;
  transcript: string;
}

export type FinishReason = 'stop' | 'length';

/** encodeWav's header: a plain 44-byte RIFF/WAVE header, the samples follow. */
const WAV_HEADER_BYTES = 44;

export const completionMeta = (model: string): CompletionMeta => ({
  id: `chatcmpl-${randomUUID().replaceAll('-', '')}`,
  created: Math.floor(Date.now() / 1000),
  model,
});

/** A reply cut by `max_tokens` is `length`; one that ended itself (or was stopped by the server) is `stop`. */
export const finishReason = (stop: StopReason): FinishReason => (stop === 'max-tokens' ? 'length' : 'stop');

/**
 * Counts as OpenAI reports them: the prompt (and how much of it came from the cache), the thinker's tokens and,
 * for a spoken reply, its codec frames as audio tokens.
 */
export function usage(prompt: { tokens: number; cached: number }, textTokens: number, audioFrames = 0): Usage {
  const completion = textTokens + audioFrames;
  return {
    prompt_tokens: prompt.tokens,
    completion_tokens: completion,
    total_tokens: prompt.tokens + completion,
    prompt_tokens_details: { cached_tokens: prompt.cached },
    completion_tokens_details: { audio_tokens: audioFrames },
  };
}

export function completion(meta: CompletionMeta, reply: { text: string; finishReason: FinishReason; audio?: ReplyAudio; usage: Usage }) {
  return {
    ...meta,
    object: 'chat.completion',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: reply.text, refusal: null, ...(reply.audio && { audio: reply.audio }) },
        logprobs: null,
        finish_reason: reply.finishReason,
      },
    ],
    usage: reply.usage,
  };
}

export type ChunkDelta = {
  role?: 'assistant';
  content?: string;
  audio?: Partial<ReplyAudio>;
};

export function chunk(meta: CompletionMeta, delta: ChunkDelta, finish: FinishReason | null = null) {
  return { ...meta, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
}

/** `stream_options.include_usage`: the last chunk before `[DONE]`, with no choices. */
export function usageChunk(meta: CompletionMeta, counts: Usage) {
  return { ...meta, object: 'chat.completion.chunk', choices: [], usage: counts };
}

export const wav = (samples: Float32Array): Uint8Array => encodeWav(samples, SPEECH_SAMPLE_RATE);

/** The same 16-bit conversion as the WAV, so streamed chunks concatenate to the non-streamed file's samples. */
export const pcm16 = (samples: Float32Array): Uint8Array => wav(samples).subarray(WAV_HEADER_BYTES);

export const base64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
