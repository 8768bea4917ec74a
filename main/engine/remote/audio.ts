/**
 * A server's speech → the 24 kHz mono Float32 the app plays. Servers send it base64-encoded in one of two shapes:
 * raw little-endian 16-bit PCM at 24 kHz (OpenAI's `pcm16`, what Omnidesk asks for), or a whole WAV file per piece
 * (vLLM-Omni before it honoured `audio.format`, and every non-streamed answer). A WAV is recognised by its header
 * whatever was asked for; its rate, if not 24 kHz, goes through the processor's resampler.
 */
import { OmniError } from '../errors';
import { downmixToMono } from '../processor/audio/decodedAudio';
import { resample } from '../processor/audio/resample';
import { decodeWavSamples, isWav, parseWavHeader } from '../processor/audio/wav';

export const SPEECH_SAMPLE_RATE = 24_000;
/** The stream port refuses pieces near 1 MB: a whole non-streamed reply is handed over a second at a time. */
const MAX_PIECE_SAMPLES = SPEECH_SAMPLE_RATE;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export class SpeechDecoder {
  /** A PCM piece may end in the middle of a sample; its first byte waits for the next piece. */
  private carry?: number;

  constructor(private readonly server: string) {}

  /** One base64 piece of speech → its samples, split into pieces the stream port accepts (none for silence). */
  decode(base64: string): Float32Array[] {
    if (!BASE64.test(base64)) throw new OmniError('REMOTE_PROTOCOL', `${this.server} sent speech that is not base64: ${base64.slice(0, 40)}…`);
    const bytes = new Uint8Array(Buffer.from(base64, 'base64'));
    return split(isWav(bytes) ? this.fromWav(bytes) : this.fromPcm16(bytes));
  }

  private fromWav(bytes: Uint8Array): Float32Array {
    this.carry = undefined;
    const name = `speech from ${this.server}`;
    const header = parseWavHeader(bytes, name);
    if (!header) throw new OmniError('REMOTE_PROTOCOL', `${name}: the WAV header is cut off`);
    if (header.encoding === 'other') {
      throw new OmniError('REMOTE_PROTOCOL', `${name}: a WAV encoding Omnidesk cannot play (format tag ${header.formatTag}); ask the server for pcm16 or 16-bit WAV`);
    }
    return resample(downmixToMono(decodeWavSamples(bytes, header)), header.sampleRate, SPEECH_SAMPLE_RATE);
  }

  private fromPcm16(bytes: Uint8Array): Float32Array {
    const joined = this.carry === undefined ? bytes : concat(this.carry, bytes);
    const whole = joined.length - (joined.length % 2);
    this.carry = whole < joined.length ? joined[whole] : undefined;
    const view = new DataView(joined.buffer, joined.byteOffset, whole);
    const samples = new Float32Array(whole / 2);
    for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true) / 32768;
    return samples;
  }
}

function concat(first: number, rest: Uint8Array): Uint8Array {
  const joined = new Uint8Array(rest.length + 1);
  joined[0] = first;
  joined.set(rest, 1);
  return joined;
}

function split(samples: Float32Array): Float32Array[] {
  const pieces: Float32Array[] = [];
  for (let at = 0; at < samples.length; at += MAX_PIECE_SAMPLES) pieces.push(samples.subarray(at, at + MAX_PIECE_SAMPLES));
  return pieces;
}
