import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { OmniError } from '../../errors';
import { findFfmpeg, parseFfmpegInfo, probeMedia, runFfmpeg } from './ffmpeg';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../..');
const media = (name: string) => path.join(root, 'models/fixtures/media', name);
const ffmpeg = findFfmpeg();
const hasFfmpegStatic = (() => {
  try {
    createRequire(import.meta.url)('ffmpeg-static');
    return true;
  } catch {
    return false;
  }
})();

async function rejection(promise: Promise<unknown>): Promise<OmniError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OmniError);
  return error as OmniError;
}

function thrown(fn: () => unknown): OmniError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(OmniError);
    return error as OmniError;
  }
  throw new Error('expected an OmniError');
}

describe('findFfmpeg', () => {
  it('prefers FFMPEG_PATH', () => {
    expect(findFfmpeg({ FFMPEG_PATH: ffmpeg, PATH: '' })).toBe(ffmpeg);
  });

  it('rejects an FFMPEG_PATH that is not an executable file, naming it', () => {
    const error = thrown(() => findFfmpeg({ FFMPEG_PATH: '/nonexistent/ffmpeg' }));
    expect(error.code).toBe('FFMPEG_NOT_FOUND');
    expect(error.message).toContain('/nonexistent/ffmpeg');
  });

  it.skipIf(hasFfmpegStatic)('falls back to ffmpeg on PATH', () => {
    expect(findFfmpeg({ PATH: `/nonexistent${path.delimiter}${path.dirname(ffmpeg)}` })).toBe(ffmpeg);
  });

  it.skipIf(hasFfmpegStatic)('says what it tried and how to fix it when there is none', () => {
    const error = thrown(() => findFfmpeg({ PATH: '/nonexistent' }));
    expect(error.code).toBe('FFMPEG_NOT_FOUND');
    expect(error.message).toMatch(/FFMPEG_PATH.*ffmpeg-static.*PATH/);
    expect(error.hint).toMatch(/install ffmpeg/i);
  });
});

describe('runFfmpeg', () => {
  const limits = { timeoutMs: 20_000, maxOutputBytes: 1 << 24 };

  it('returns stdout: a 16 kHz mono WAV decodes to 4 bytes per sample as f32le', async () => {
    const out = await runFfmpeg(['-i', media('speech_16k_mono.wav'), '-f', 'f32le', '-'], limits);
    expect(out.length).toBe(52654 * 4);
  });

  it('reads input bytes from stdin', async () => {
    const bytes = readFileSync(media('speech_16k_mono.wav'));
    const out = await runFfmpeg(['-i', 'pipe:0', '-f', 's16le', '-'], { ...limits, input: bytes });
    expect(out.equals(bytes.subarray(bytes.length - 52654 * 2))).toBe(true);
  });

  it('fails with the code asked for, the file name and ffmpeg’s own message', async () => {
    const error = await rejection(
      runFfmpeg(['-i', media('manifest.json'), '-f', 'f32le', '-'], { ...limits, errorCode: 'AUDIO_DECODE_FAILED' }),
    );
    expect(error.code).toBe('AUDIO_DECODE_FAILED');
    expect(error.message).toContain('manifest.json: ffmpeg failed');
    expect(error.message).toMatch(/Invalid data/);
  });

  it('stops an endless decode at the timeout and says so', async () => {
    const started = Date.now();
    const error = await rejection(
      runFfmpeg(['-f', 'lavfi', '-i', 'anullsrc', '-f', 'f32le', '-'], { timeoutMs: 300, maxOutputBytes: 1 << 30, subject: 'live.wav' }),
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error.message).toMatch(/^live\.wav: ffmpeg did not finish within 0\.3 s/);
  });

  it('stops a decode that writes more than the limit', async () => {
    const error = await rejection(
      runFfmpeg(['-f', 'lavfi', '-i', 'sine=d=10', '-f', 'f32le', '-'], { timeoutMs: 20_000, maxOutputBytes: 4096 }),
    );
    expect(error.message).toMatch(/exceeds 4096 bytes/);
  });
});

describe('probeMedia', () => {
  it('lists the streams of a video with sound', async () => {
    const info = await probeMedia(media('video_96x64_25fps_2s4.mkv'));
    expect(info.container).toBe('matroska,webm');
    expect(info.durationSeconds).toBeCloseTo(2.4, 6);
    expect(info.streams).toEqual([
      { index: 0, type: 'video', codec: 'ffv1', width: 96, height: 64, fps: 25, attachedPicture: false },
      { index: 1, type: 'audio', codec: 'pcm_s16le', sampleRate: 16000, channels: 1, attachedPicture: false },
    ]);
  });

  it('probes bytes as well as files', async () => {
    const info = await probeMedia(readFileSync(media('speech_44k1_stereo.wav')), { subject: 'dropped.wav' });
    expect(info.streams).toEqual([
      { index: 0, type: 'audio', codec: 'pcm_s16le', sampleRate: 44100, channels: 2, attachedPicture: false },
    ]);
  });

  it('rejects what is not media, naming the file', async () => {
    const error = await rejection(probeMedia(media('manifest.json'), { errorCode: 'VIDEO_DECODE_FAILED' }));
    expect(error.code).toBe('VIDEO_DECODE_FAILED');
    expect(error.message).toMatch(/manifest\.json: not a readable media file \(.*Invalid data/);
  });
});

describe('parseFfmpegInfo', () => {
  it('reads cover art, surround layouts and a missing duration', () => {
    const stderr = [
      "Input #0, mp3, from 'song.mp3':",
      '  Duration: N/A, start: 0.025057, bitrate: N/A',
      '  Stream #0:0: Audio: mp3, 44100 Hz, 5.1(side), fltp, 128 kb/s',
      '  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc, bt470bg/unknown/unknown), 500x500 [SAR 1:1 DAR 1:1], 90k tbr, 90k tbn (attached pic)',
      '  Stream #0:2[0x1e0](eng): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, 3 channels, fltp (default)',
    ].join('\n');
    expect(parseFfmpegInfo(stderr)).toEqual({
      container: 'mp3',
      durationSeconds: undefined,
      streams: [
        { index: 0, type: 'audio', codec: 'mp3', sampleRate: 44100, channels: 6, attachedPicture: false },
        { index: 1, type: 'video', codec: 'mjpeg', width: 500, height: 500, attachedPicture: true },
        { index: 2, type: 'audio', codec: 'aac', sampleRate: 48000, channels: 3, attachedPicture: false },
      ],
    });
  });
});
