/**
 * An audio file (or its bytes) → the mono float32 waveform the feature extractor takes, as
 * `librosa.load(path, sr=16000)` produces it: decode, mean of the channels, soxr-HQ resampling.
 */
import { open, readFile } from 'node:fs/promises';
import { OmniError } from '../../errors';
import { type DecodedAudio, downmixToMono } from './decodedAudio';
import { decodeWithFfmpeg } from './ffmpegDecoder';
import { resample } from './resample';
import { decodeWavSamples, isWav, parseWavHeader } from './wav';
import { checkDuration, checkWaveform } from './waveformChecks';

/** Safety net when the caller sets no limit: an hour is more than any Qwen3-Omni context holds (32k ≈ 41 min). */
export const DEFAULT_MAX_AUDIO_SECONDS = 3600;
/** Whisper's n_fft/2 + 1 samples: the least the log-mel's reflect padding accepts. */
export const MIN_AUDIO_SAMPLES = 201;
/** Enough to hold any ordinary WAV header, so a too-long file is rejected before it is read whole. */
const HEADER_PROBE_BYTES = 1 << 20;

export interface LoadAudioOptions {
  /** Sample rate of the waveform returned (the feature extractor's `sampling_rate`). */
  targetRate?: number;
  /** Longest audio accepted, in seconds: what the model's context allows. */
  maxSeconds?: number;
  /** Fewest samples (at `targetRate`) accepted. */
  minSamples?: number;
  /** What errors call the audio; defaults to the path, or "audio" for bytes. */
  name?: string;
  /** Limit for ffmpeg, when the format needs it. */
  timeoutMs?: number;
}

export async function loadAudio(source: string | Uint8Array, options: LoadAudioOptions = {}): Promise<Float32Array> {
  const { targetRate = 16000, maxSeconds = DEFAULT_MAX_AUDIO_SECONDS, minSamples = MIN_AUDIO_SAMPLES } = options;
  const name = options.name ?? (typeof source === 'string' ? source : 'audio');
  const decoded = await decode(source, name, maxSeconds, options.timeoutMs);
  const mono = downmixToMono(decoded);
  // Non-finite samples are reported where they are, before the resampler smears them over its filter length.
  checkWaveform(mono, { name, sampleRate: decoded.sampleRate, maxSeconds });
  const waveform = resample(mono, decoded.sampleRate, targetRate);
  checkWaveform(waveform, { name, sampleRate: targetRate, minSamples, maxSeconds });
  return waveform;
}

async function decode(source: string | Uint8Array, name: string, maxSeconds: number, timeoutMs?: number): Promise<DecodedAudio> {
  const { head, size } = typeof source === 'string' ? await readHead(source, name) : { head: source, size: source.length };
  if (size === 0) throw new OmniError('AUDIO_DECODE_FAILED', `${name}: the file is empty (0 bytes)`);
  if (isWav(head)) {
    // Undefined when the header lies beyond the first megabyte; otherwise a too-long file fails before being read.
    const early = parseWavHeader(head, name, size);
    if (early) checkDuration(name, early.frames / early.sampleRate, maxSeconds);
    if (early?.encoding !== 'other') {
      const bytes = typeof source === 'string' && head.length < size ? await readWhole(source, name) : head;
      const header = early ?? parseWavHeader(bytes, name);
      if (header && header.encoding !== 'other') {
        checkDuration(name, header.frames / header.sampleRate, maxSeconds);
        return decodeWavSamples(bytes, header);
      }
    }
  }
  return decodeWithFfmpeg(source, name, { maxSeconds, timeoutMs });
}

async function readHead(file: string, name: string): Promise<{ head: Uint8Array; size: number }> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      if (size <= HEADER_PROBE_BYTES) return { head: await handle.readFile(), size };
      const head = new Uint8Array(HEADER_PROBE_BYTES);
      const { bytesRead } = await handle.read(head, 0, HEADER_PROBE_BYTES, 0);
      return { head: head.subarray(0, bytesRead), size };
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw unreadable(name, error);
  }
}

async function readWhole(file: string, name: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw unreadable(name, error);
  }
}

function unreadable(name: string, error: unknown): OmniError {
  const code = (error as NodeJS.ErrnoException).code;
  const problem =
    code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : code === 'EACCES' ? 'permission denied' : (error as Error).message;
  return new OmniError('AUDIO_DECODE_FAILED', `${name}: cannot read the file (${problem})`);
}
