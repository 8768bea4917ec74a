import { describe, expect, it } from 'vitest';
import { encodeWav } from '../../store/wav';
import { SpeechDecoder } from './audio';

const s16 = (...samples: number[]) => Buffer.from(Int16Array.from(samples).buffer);
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const joined = (pieces: Float32Array[]) => Float32Array.from(pieces.flatMap((p) => [...p]));

describe('SpeechDecoder', () => {
  it('turns base64 pcm16 into samples scaled by 1/32768', () => {
    const decoder = new SpeechDecoder('gpu-box:8091');
    expect(joined(decoder.decode(b64(s16(0, 16384, -32768, 32767))))).toEqual(Float32Array.from([0, 0.5, -1, 32767 / 32768]));
  });

  it('keeps a sample split between two pieces whole', () => {
    const decoder = new SpeechDecoder('gpu-box:8091');
    const bytes = s16(1000, -2000, 3000);
    const first = joined(decoder.decode(b64(bytes.subarray(0, 3))));
    const second = joined(decoder.decode(b64(bytes.subarray(3))));
    expect([...first, ...second]).toEqual([1000 / 32768, -2000 / 32768, 3000 / 32768]);
  });

  it('reads a whole 24 kHz WAV piece as it is', () => {
    const samples = Float32Array.from([0.25, -0.5, 0]);
    const decoded = joined(new SpeechDecoder('s').decode(b64(encodeWav(samples, 24000))));
    expect(decoded).toEqual(Float32Array.from([0x2000 / 32768, -0.5, 0]));
  });

  it('resamples a WAV at another rate to 24 kHz', () => {
    const tone = Float32Array.from({ length: 4800 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 48000));
    const decoded = joined(new SpeechDecoder('s').decode(b64(encodeWav(tone, 48000))));
    expect(decoded.length).toBe(2400);
    const peak = decoded.slice(200, 2200).reduce((max, s) => Math.max(max, Math.abs(s)), 0);
    expect(peak).toBeCloseTo(0.5, 2);
  });

  it('hands a long piece over in pieces of at most one second', () => {
    const pieces = new SpeechDecoder('s').decode(b64(s16(...new Array(50_000).fill(7))));
    expect(pieces.map((p) => p.length)).toEqual([24_000, 24_000, 2_000]);
  });

  it('returns nothing for an empty piece', () => {
    expect(new SpeechDecoder('s').decode('')).toEqual([]);
  });

  it('names the server when the speech is not base64', () => {
    expect(() => new SpeechDecoder('gpu-box:8091').decode('not base64!')).toThrow(/^gpu-box:8091 sent speech that is not base64/);
  });

  it('refuses a WAV whose encoding it cannot play, saying what to ask for', () => {
    const alaw = encodeWav(Float32Array.from([0, 0]), 24000);
    new DataView(alaw.buffer).setUint16(20, 6, true);
    expect(() => new SpeechDecoder('gpu-box:8091').decode(b64(alaw))).toThrow(/format tag 6\); ask the server for pcm16/);
  });
});
