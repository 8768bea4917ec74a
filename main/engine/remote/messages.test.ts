import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { mediaPath } from '../testing/fixtures';
import { runFfmpeg } from '../processor/media/ffmpeg';
import { isWav, parseWavHeader } from '../processor/audio/wav';
import type { Attachment, RemoteChatSendRequest } from '../protocol';
import { type ContentPart, userMessage } from './messages';
import { suiteTempDir } from '../../../test/tempDir';

const scratchDir = suiteTempDir('remote-messages');
const jpeg = new Uint8Array(readFileSync(path.join(import.meta.dirname, '../processor/vision/__fixtures__/decode/jpeg_420.jpg')));

const turn = (attachments: Attachment[], text = ''): RemoteChatSendRequest => ({
  conversationId: 'c',
  turnId: 't1',
  text,
  attachments,
  micAudio: false,
  speak: false,
  remote: { baseUrl: 'http://gpu-box:8091/v1', model: 'm' },
});

async function parts(attachments: Attachment[]): Promise<ContentPart[]> {
  const message = await userMessage(turn(attachments), undefined, scratchDir);
  return message.role === 'user' ? message.content : [];
}

const payload = (url: string) => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');

describe('userMessage', () => {
  it('sends a webcam clip as a Motion-JPEG Matroska video at its frame rate, its JPEGs unchanged, leaving no scratch files', async () => {
    const [part] = await parts([{ kind: 'frames', name: 'webcam', fps: 2, frames: [jpeg, jpeg, jpeg] }]);
    expect(part.type === 'video_url' && part.video_url.url.startsWith('data:video/x-matroska;base64,')).toBe(true);
    const video = part.type === 'video_url' ? payload(part.video_url.url) : Buffer.alloc(0);
    const frames = (await runFfmpeg(['-v', 'error', '-i', 'pipe:0', '-c', 'copy', '-f', 'framecrc', 'pipe:1'], { input: video, timeoutMs: 10_000, maxOutputBytes: 65_536 }))
      .toString()
      .split('\n')
      .filter((line) => /^0,/.test(line))
      .map((line) => line.split(',').map((f) => f.trim()));
    // Stream 0, presentation times 0, 500, 1000 ms, each packet the JPEG's own size.
    expect(frames.map(([, , pts, , size]) => [pts, Number(size)])).toEqual([['0', jpeg.length], ['500', jpeg.length], ['1000', jpeg.length]]);
    expect(readdirSync(scratchDir)).toEqual([]);
  });

  it('passes WAV and MP3 through as input_audio and decodes other audio to a 16 kHz WAV', async () => {
    const wav = new Uint8Array(readFileSync(mediaPath('speech_44k1_stereo.wav')));
    const flac = new Uint8Array(await runFfmpeg(['-v', 'error', '-i', mediaPath('speech_16k_mono.wav'), '-f', 'flac', 'pipe:1'], { timeoutMs: 10_000, maxOutputBytes: 10_000_000 }));
    const [asWav, asFlac] = await parts([
      { kind: 'audio', name: 'a.wav', mime: 'audio/wav', data: wav },
      { kind: 'audio', name: 'b.flac', mime: 'audio/flac', data: flac },
    ]);
    expect(asWav).toEqual({ type: 'input_audio', input_audio: { data: Buffer.from(wav).toString('base64'), format: 'wav' } });
    const decoded = asFlac.type === 'input_audio' ? new Uint8Array(Buffer.from(asFlac.input_audio.data, 'base64')) : new Uint8Array();
    expect(asFlac.type === 'input_audio' && asFlac.input_audio.format).toBe('wav');
    expect(isWav(decoded)).toBe(true);
    const original = parseWavHeader(new Uint8Array(readFileSync(mediaPath('speech_16k_mono.wav'))), 'original');
    expect(parseWavHeader(decoded, 'decoded')).toMatchObject({ sampleRate: 16000, channels: 1, bytesPerSample: 2, frames: original?.frames });
  });

  it('sends a video file as a video_url data URL of its own type', async () => {
    const data = new Uint8Array(readFileSync(mediaPath('video_96x64_25fps_2s4.mkv')));
    expect(await parts([{ kind: 'video', name: 'v.mkv', mime: 'video/x-matroska', data }])).toEqual([
      { type: 'video_url', video_url: { url: `data:video/x-matroska;base64,${Buffer.from(data).toString('base64')}` } },
    ]);
  });

  it('names the clip when its frames are not JPEG', async () => {
    await expect(parts([{ kind: 'frames', name: 'webcam', fps: 2, frames: [new Uint8Array([1, 2, 3])] }])).rejects.toMatchObject({
      code: 'VIDEO_DECODE_FAILED',
      message: expect.stringMatching(/^webcam clip "webcam": ffmpeg failed/),
    });
  });
});
