/**
 * Push-to-talk audio as the renderer captures it — Float32 or Int16 PCM, mono, at 16 or 48 kHz — turned into the
 * waveform the feature extractor takes, with the same checks and resampler as a file.
 */
import { MIN_AUDIO_SAMPLES } from './loadAudio';
import { resample } from './resample';
import { checkWaveform } from './waveformChecks';

type Pcm = Float32Array | Int16Array;

export interface MicrophoneAudio {
  sampleRate: number;
  /** The utterance, or its chunks in order. Int16 samples are scaled by 1/32768, as WAV decoding does. */
  samples: Pcm | Pcm[];
}

export interface MicrophoneOptions {
  targetRate?: number;
  maxSeconds?: number;
  name?: string;
}

export function microphoneWaveform({ sampleRate, samples }: MicrophoneAudio, options: MicrophoneOptions = {}): Float32Array {
  const { targetRate = 16000, maxSeconds, name = 'microphone audio' } = options;
  const pcm = toFloat32(Array.isArray(samples) ? samples : [samples]);
  checkWaveform(pcm, { name, sampleRate, maxSeconds });
  const waveform = resample(pcm, sampleRate, targetRate);
  checkWaveform(waveform, { name, sampleRate: targetRate, minSamples: MIN_AUDIO_SAMPLES, maxSeconds });
  return waveform;
}

function toFloat32(chunks: Pcm[]): Float32Array {
  if (chunks.length === 1 && chunks[0] instanceof Float32Array) return chunks[0];
  const pcm = new Float32Array(chunks.reduce((total, chunk) => total + chunk.length, 0));
  let at = 0;
  for (const chunk of chunks) {
    if (chunk instanceof Float32Array) pcm.set(chunk, at);
    else for (let i = 0; i < chunk.length; i++) pcm[at + i] = chunk[i] / 32768;
    at += chunk.length;
  }
  return pcm;
}
