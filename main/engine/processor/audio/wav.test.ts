import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OmniError } from '../../errors';
import { assertExact } from '../../testing/parity';
import { downmixToMono } from './decodedAudio';
import { expectedFloat32, fixture, media } from './testFiles';
import { decodeWavSamples, isWav, parseWavHeader } from './wav';

function decode(bytes: Uint8Array, name = 'test.wav') {
  const header = parseWavHeader(bytes, name);
  if (!header) throw new Error('header incomplete');
  return { header, audio: decodeWavSamples(bytes, header) };
}

function interleave(channels: Float32Array[]): Float32Array {
  const out = new Float32Array(channels.length * channels[0].length);
  channels.forEach((channel, c) => channel.forEach((v, i) => (out[i * channels.length + c] = v)));
  return out;
}

function decodeError(bytes: Uint8Array, name: string): OmniError {
  try {
    decode(bytes, name);
  } catch (error) {
    expect(error).toBeInstanceOf(OmniError);
    return error as OmniError;
  }
  throw new Error('expected the WAV to be rejected');
}

describe('native WAV decoding', () => {
  it.each(['pcm_u8', 'pcm_16', 'pcm_24', 'pcm_32', 'float', 'double'])(
    'decodes %s stereo to the float32 samples soundfile gives',
    (encoding) => {
      const { header, audio } = decode(readFileSync(fixture(`stereo_${encoding}.wav`)));
      expect(header).toMatchObject({ sampleRate: 44100, channels: 2, frames: 1323 });
      assertExact(`stereo_${encoding}`, expectedFloat32(`stereo_${encoding}.npy`), interleave(audio.channels));
    },
  );

  it('decodes WAVE_FORMAT_EXTENSIBLE with six channels, and averages them exactly like librosa.to_mono', () => {
    const bytes = readFileSync(fixture('surround_6ch_pcm_24.wav'));
    expect(new DataView(bytes.buffer, bytes.byteOffset).getUint16(20, true)).toBe(0xfffe);
    const { header, audio } = decode(bytes);
    expect(header).toMatchObject({ encoding: 'int', formatTag: 1, channels: 6, bytesPerSample: 3 });
    assertExact('6 channels', expectedFloat32('surround_6ch_pcm_24.npy'), interleave(audio.channels));
    assertExact('mono', expectedFloat32('surround_6ch_pcm_24.librosa_mono.npy'), downmixToMono(audio));
  });

  it('reads a WAV streamed with unknown sizes (0xFFFFFFFF, as ffmpeg writes to a pipe) to the end of the bytes', () => {
    const bytes = Buffer.from(readFileSync(fixture('stereo_pcm_16.wav')));
    bytes.writeUInt32LE(0xffffffff, 4);
    bytes.writeUInt32LE(0xffffffff, bytes.indexOf('data') + 4);
    expect(decode(bytes).header.frames).toBe(1323);
  });

  it('reports encodings it does not decode itself (µ-law) instead of misreading them', () => {
    const header = parseWavHeader(readFileSync(fixture('speech_ulaw.wav')), 'speech_ulaw.wav');
    expect(header).toMatchObject({ encoding: 'other', formatTag: 7 });
  });

  it('rejects a file cut inside its samples, naming it and saying how much is missing', () => {
    const bytes = readFileSync(media('speech_16k_mono.wav')).subarray(0, 3000);
    const error = decodeError(bytes, 'speech_16k_mono.wav');
    expect(error.code).toBe('AUDIO_DECODE_FAILED');
    expect(error.message).toBe('speech_16k_mono.wav: truncated: the data chunk declares 105308 bytes but only 2956 are present');
  });

  it('rejects a file cut inside its header', () => {
    const bytes = readFileSync(media('speech_16k_mono.wav')).subarray(0, 30);
    expect(decodeError(bytes, 'cut.wav').message).toBe('cut.wav: truncated inside the fmt chunk');
    expect(decodeError(bytes.subarray(0, 12), 'cut.wav').message).toMatch(/^cut\.wav: no fmt chunk/);
  });

  it('tells WAV from other files by the RIFF/WAVE header, not the name', () => {
    expect(isWav(readFileSync(media('speech_48k_mono.wav')))).toBe(true);
    expect(isWav(readFileSync(fixture('speech.flac')))).toBe(false);
  });

  it('returns no header when given only the beginning of a file whose header lies further on', () => {
    const bytes = readFileSync(media('speech_16k_mono.wav'));
    expect(parseWavHeader(bytes.subarray(0, 20), 'x.wav', bytes.length)).toBeUndefined();
    expect(parseWavHeader(bytes.subarray(0, 64), 'x.wav', bytes.length)).toMatchObject({ frames: 52654, sampleRate: 16000 });
  });
});
