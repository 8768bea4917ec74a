import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OmniError } from '../../errors';
import { assertExact } from '../../testing/parity';
import { loadAudio } from './loadAudio';
import { microphoneWaveform } from './microphone';
import { media } from './testFiles';

/** The int16 samples of a mono 16-bit WAV from the oracle's media (a stand-in for what the microphone sends). */
function pcm16(file: string): Int16Array {
  const bytes = readFileSync(media(file));
  const samples = new Int16Array((bytes.length - 44) / 2);
  for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(44 + 2 * i);
  return samples;
}

describe('microphoneWaveform', () => {
  it('turns 48 kHz Int16 chunks into the 16 kHz waveform loading the same audio from a file gives', async () => {
    const pcm = pcm16('speech_48k_mono.wav');
    const chunks = [pcm.subarray(0, 4800), pcm.subarray(4800, 30000), pcm.subarray(30000)];
    const fromFile = await loadAudio(media('speech_48k_mono.wav'));
    assertExact('48 kHz chunks', fromFile, microphoneWaveform({ sampleRate: 48000, samples: chunks }));
  });

  it('passes 16 kHz Float32 audio through unchanged', () => {
    const samples = Float32Array.from(pcm16('speech_16k_mono.wav'), (s) => s / 32768);
    expect(microphoneWaveform({ sampleRate: 16000, samples })).toBe(samples);
  });

  it('accepts Float32 and Int16 chunks alike', async () => {
    const pcm = pcm16('speech_48k_mono.wav');
    const asFloat = Float32Array.from(pcm.subarray(0, 9600), (s) => s / 32768);
    const mixed = microphoneWaveform({ sampleRate: 48000, samples: [asFloat, pcm.subarray(9600)] });
    assertExact('mixed chunks', await loadAudio(media('speech_48k_mono.wav')), mixed);
  });

  it('rejects empty audio, non-finite samples and overlong utterances, naming the microphone', () => {
    const reject = (samples: Float32Array, maxSeconds?: number) => {
      try {
        microphoneWaveform({ sampleRate: 48000, samples }, { maxSeconds });
      } catch (error) {
        expect(error).toBeInstanceOf(OmniError);
        return (error as OmniError).message;
      }
      throw new Error('expected a rejection');
    };
    expect(reject(new Float32Array(0))).toBe('microphone audio: the audio is empty (0 samples)');
    expect(reject(Float32Array.of(0, Number.POSITIVE_INFINITY))).toMatch(/^microphone audio: sample 1 .* is Infinity/);
    expect(reject(new Float32Array(48000 * 3), 2)).toBe("microphone audio: the audio is 3 s long, more than the 2 s the model's context allows");
  });
});
