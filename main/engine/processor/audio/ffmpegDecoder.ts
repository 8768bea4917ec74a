/**
 * Every format other than plain WAV (FLAC, MP3, OGG/Opus, M4A/AAC, WebM, µ-law WAV, a video's sound track) goes
 * through ffmpeg: decoded to 32-bit float at the file's own rate with its channels kept — resampling and downmixing
 * stay ours, so they match librosa whatever the container — and shipped back as a streamed WAV whose header carries
 * the rate and channel count.
 */
import { OmniError } from '../../errors';
import { probeMedia, runFfmpeg } from '../media/ffmpeg';
import type { DecodedAudio } from './decodedAudio';
import { decodeWavSamples, parseWavHeader } from './wav';
import { checkDuration } from './waveformChecks';

export interface FfmpegDecodeOptions {
  /** Longest audio accepted; also bounds ffmpeg's run time and output. */
  maxSeconds: number;
  timeoutMs?: number;
}

/** Bytes ffmpeg may write per second of audio when the probe could not tell the rate or channels (384 kHz, 8 ch). */
const WORST_CASE_BYTES_PER_SECOND = 384_000 * 8 * 4;

export async function decodeWithFfmpeg(source: string | Uint8Array, name: string, options: FfmpegDecodeOptions): Promise<DecodedAudio> {
  const { maxSeconds } = options;
  // ffmpeg decodes audio at well over 20× real time; a minute on top covers start-up and slow disks.
  const timeoutMs = options.timeoutMs ?? 60_000 + maxSeconds * 50;
  const input = typeof source === 'string' ? source : 'pipe:0';
  const bytes = typeof source === 'string' ? undefined : source;
  const common = { subject: name, errorCode: 'AUDIO_DECODE_FAILED' as const, timeoutMs };

  const info = await probeMedia(source, common);
  const stream = info.streams.find((s) => s.type === 'audio');
  if (!stream) {
    const found = info.streams.map((s) => s.type).join(', ') || 'no streams';
    throw new OmniError('AUDIO_DECODE_FAILED', `${name}: no audio stream (${info.container} with ${found})`);
  }
  if (info.durationSeconds !== undefined) checkDuration(name, info.durationSeconds, maxSeconds);

  const bytesPerSecond = stream.sampleRate && stream.channels ? stream.sampleRate * stream.channels * 4 : WORST_CASE_BYTES_PER_SECOND;
  // Decoding stops one second past the limit: enough to reject a file whose container understates its length.
  const wav = await runFfmpeg(
    ['-i', input, '-map', `0:${stream.index}`, '-t', String(maxSeconds + 1), '-c:a', 'pcm_f32le', '-f', 'wav', '-'],
    { ...common, input: bytes, maxOutputBytes: Math.ceil((maxSeconds + 2) * bytesPerSecond) + (1 << 16) },
  );
  const header = wav.length > 0 ? parseWavHeader(wav, name) : undefined;
  if (!header || header.encoding !== 'float') {
    throw new OmniError('AUDIO_DECODE_FAILED', `${name}: ffmpeg produced no decodable audio`);
  }
  const seconds = header.frames / header.sampleRate;
  checkDuration(name, seconds, maxSeconds, seconds >= maxSeconds + 1);
  return decodeWavSamples(wav, header);
}
