/**
 * Microphone audio of push-to-talk turns, collected chunk by chunk as it streams in while the key is held, so
 * the turn can start the moment the key is released. Chunks arrive in order on one port; a gap in `seq` means a
 * lost chunk, which would silently corrupt the utterance, so it fails the capture instead.
 */
import { OmniError } from '../errors';
import type { StreamUp } from '../protocol';

type MicChunk = Extract<StreamUp, { type: 'mic.chunk' }>;

/** Five minutes at 48 kHz: far beyond a push-to-talk utterance, well below a memory problem. */
export const MAX_CAPTURE_SAMPLES = 5 * 60 * 48_000;

export interface CapturedAudio {
  sampleRate: 16000 | 48000;
  samples: Float32Array;
}

interface Capture {
  sampleRate: 16000 | 48000;
  chunks: Float32Array[];
  samples: number;
  nextSeq: number;
  ended: boolean;
  error?: OmniError;
}

export class MicCaptures {
  private readonly captures = new Map<string, Capture>();

  /** Adds a chunk and returns the samples received so far for the turn. */
  add(chunk: MicChunk): number {
    let capture = this.captures.get(chunk.turnId);
    if (!capture) {
      capture = { sampleRate: chunk.sampleRate, chunks: [], samples: 0, nextSeq: 0, ended: false };
      this.captures.set(chunk.turnId, capture);
    }
    if (capture.error) return capture.samples;
    const fail = (message: string) => {
      capture.error = new OmniError('AUDIO_DECODE_FAILED', `Microphone audio of turn ${chunk.turnId}: ${message}`);
      capture.chunks = [];
      return capture.samples;
    };
    if (capture.ended) return fail(`chunk ${chunk.seq} arrived after the end of the utterance`);
    if (chunk.seq !== capture.nextSeq) return fail(`chunk ${capture.nextSeq} is missing (got ${chunk.seq})`);
    if (chunk.sampleRate !== capture.sampleRate) {
      return fail(`sample rate changed from ${capture.sampleRate} to ${chunk.sampleRate} Hz`);
    }
    const samples = decodePcm(chunk);
    if (typeof samples === 'string') return fail(`chunk ${chunk.seq} ${samples}`);
    if (capture.samples + samples.length > MAX_CAPTURE_SAMPLES) {
      return fail(`longer than ${MAX_CAPTURE_SAMPLES / capture.sampleRate} s`);
    }
    capture.chunks.push(samples);
    capture.samples += samples.length;
    capture.nextSeq += 1;
    return capture.samples;
  }

  end(turnId: string, seq: number): number {
    const capture = this.captures.get(turnId);
    if (!capture) return 0;
    if (seq !== capture.nextSeq && !capture.error) {
      capture.error = new OmniError('AUDIO_DECODE_FAILED', `Microphone audio of turn ${turnId}: chunk ${capture.nextSeq} is missing at the end`);
    }
    capture.ended = true;
    return capture.samples;
  }

  cancel(turnId: string): void {
    this.captures.delete(turnId);
  }

  /** Removes and returns the finished utterance of a turn. */
  take(turnId: string): CapturedAudio {
    const capture = this.captures.get(turnId);
    this.captures.delete(turnId);
    if (!capture) throw new OmniError('AUDIO_DECODE_FAILED', `No microphone audio arrived for turn ${turnId}`);
    if (capture.error) throw capture.error;
    if (!capture.ended) {
      throw new OmniError('AUDIO_DECODE_FAILED', `Microphone audio of turn ${turnId} was not ended (mic.end missing)`);
    }
    if (capture.samples === 0) throw new OmniError('AUDIO_DECODE_FAILED', `Microphone audio of turn ${turnId} is empty`);
    const samples = new Float32Array(capture.samples);
    let offset = 0;
    for (const chunk of capture.chunks) {
      samples.set(chunk, offset);
      offset += chunk.length;
    }
    return { sampleRate: capture.sampleRate, samples };
  }
}

/** Float32 samples, or what is wrong with the chunk. */
function decodePcm(chunk: MicChunk): Float32Array | string {
  const width = chunk.format === 'f32' ? 4 : 2;
  if (chunk.pcm.byteLength % width !== 0) return `is ${chunk.pcm.byteLength} bytes, not whole ${chunk.format} samples`;
  if (chunk.format === 'f32') {
    const samples = new Float32Array(chunk.pcm.slice(0));
    const bad = samples.findIndex((s) => !Number.isFinite(s));
    return bad < 0 ? samples : `has a non-finite sample at ${bad}`;
  }
  const ints = new Int16Array(chunk.pcm);
  const samples = new Float32Array(ints.length);
  for (let i = 0; i < ints.length; i++) samples[i] = ints[i] / 32768;
  return samples;
}
