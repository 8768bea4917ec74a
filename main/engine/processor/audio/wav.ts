/**
 * Native WAV decoding for the encodings WAV files almost always hold: integer PCM (8 to 32 bits) and IEEE float
 * (32/64 bits), plain or WAVE_FORMAT_EXTENSIBLE, any number of channels. Samples become float32 exactly as
 * libsndfile (soundfile, hence librosa) makes them: integers divided by 2^(container bits − 1), 8-bit as unsigned.
 * Other encodings inside a WAV (µ-law, ADPCM, …) are reported as such so the caller can hand them to ffmpeg.
 */
import { OmniError } from '../../errors';
import type { DecodedAudio } from './decodedAudio';

export type WavEncoding = 'int' | 'float' | 'other';

export interface WavHeader {
  encoding: WavEncoding;
  /** The WAVE format tag (through WAVE_FORMAT_EXTENSIBLE's sub-format): 1 PCM, 3 float, 6 A-law, 7 µ-law, … */
  formatTag: number;
  sampleRate: number;
  channels: number;
  /** Bytes per sample in the file (a 20-bit sample sits in 3 bytes, left-justified). */
  bytesPerSample: number;
  dataOffset: number;
  frames: number;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_IEEE_FLOAT = 3;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Streaming writers (ffmpeg to a pipe, sox) cannot seek back to fill in sizes; the data then runs to the end. */
const UNKNOWN_SIZE = 0xffffffff;

export function isWav(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && ascii(bytes, 0) === 'RIFF' && ascii(bytes, 8) === 'WAVE';
}

/**
 * Reads the chunk layout. `totalLength` is the file size when `bytes` is only its beginning: then the result is
 * undefined if the header does not fit in `bytes`.
 */
export function parseWavHeader(bytes: Uint8Array, name: string, totalLength = bytes.length): WavHeader | undefined {
  const fail = (problem: string) => new OmniError('AUDIO_DECODE_FAILED', `${name}: ${problem}`);
  if (!isWav(bytes)) throw fail('not a WAV file (no RIFF/WAVE header)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let format: Omit<WavHeader, 'dataOffset' | 'frames'> | undefined;
  let offset = 12;
  while (offset + 8 <= totalLength) {
    if (offset + 8 > bytes.length) return undefined;
    const id = ascii(bytes, offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (body + Math.min(size, 40) > bytes.length) {
        if (bytes.length < totalLength) return undefined;
        throw fail('truncated inside the fmt chunk');
      }
      format = readFormat(view, body, size, fail);
    } else if (id === 'data') {
      if (!format) throw fail('the data chunk comes before the fmt chunk');
      const available = totalLength - body;
      if (size !== UNKNOWN_SIZE && size > available) {
        throw fail(`truncated: the data chunk declares ${size} bytes but only ${available} are present`);
      }
      const dataBytes = size === UNKNOWN_SIZE ? available : size;
      const frameBytes = format.bytesPerSample * format.channels;
      return { ...format, dataOffset: body, frames: Math.floor(dataBytes / frameBytes) };
    }
    offset = body + size + (size & 1);
  }
  throw fail(format ? 'no data chunk (the file is truncated or not audio)' : 'no fmt chunk (the file is truncated or not audio)');
}

function readFormat(
  view: DataView,
  at: number,
  size: number,
  fail: (problem: string) => OmniError,
): Omit<WavHeader, 'dataOffset' | 'frames'> {
  if (size < 16) throw fail(`malformed fmt chunk (${size} bytes)`);
  let formatTag = view.getUint16(at, true);
  const channels = view.getUint16(at + 2, true);
  const sampleRate = view.getUint32(at + 4, true);
  const blockAlign = view.getUint16(at + 12, true);
  const bitsPerSample = view.getUint16(at + 14, true);
  if (formatTag === WAVE_FORMAT_EXTENSIBLE) {
    if (size < 40) throw fail(`malformed WAVE_FORMAT_EXTENSIBLE fmt chunk (${size} bytes)`);
    formatTag = view.getUint16(at + 24, true);
  }
  if (channels === 0) throw fail('the fmt chunk declares 0 channels');
  if (sampleRate === 0) throw fail('the fmt chunk declares a sample rate of 0 Hz');
  const bytesPerSample = blockAlign / channels;
  const encoding: WavEncoding =
    formatTag === WAVE_FORMAT_PCM && [1, 2, 3, 4].includes(bytesPerSample) && bitsPerSample <= bytesPerSample * 8
      ? 'int'
      : formatTag === WAVE_FORMAT_IEEE_FLOAT && (bytesPerSample === 4 || bytesPerSample === 8)
        ? 'float'
        : 'other';
  return { encoding, formatTag, sampleRate, channels, bytesPerSample: Number.isInteger(bytesPerSample) ? bytesPerSample : 0 };
}

/** Decodes the samples of a WAV whose header says `int` or `float`. */
export function decodeWavSamples(bytes: Uint8Array, header: WavHeader): DecodedAudio {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { channels: count, frames, bytesPerSample: width, dataOffset } = header;
  const read = sampleReader(view, header);
  const channels = Array.from({ length: count }, () => new Float32Array(frames));
  for (let frame = 0, at = dataOffset; frame < frames; frame++) {
    for (let c = 0; c < count; c++, at += width) channels[c][frame] = read(at);
  }
  return { sampleRate: header.sampleRate, channels };
}

function sampleReader(view: DataView, { encoding, bytesPerSample }: WavHeader): (at: number) => number {
  if (encoding === 'float') {
    return bytesPerSample === 4 ? (at) => view.getFloat32(at, true) : (at) => view.getFloat64(at, true);
  }
  switch (bytesPerSample) {
    case 1:
      return (at) => (view.getUint8(at) - 128) / 128;
    case 2:
      return (at) => view.getInt16(at, true) / 32768;
    case 3:
      return (at) => ((view.getInt8(at + 2) << 16) | view.getUint16(at, true)) / 8388608;
    default:
      return (at) => view.getInt32(at, true) / 2147483648;
  }
}

function ascii(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]);
}
