import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OmniError } from '../../errors';
import { assertClose, assertExact } from '../../testing/parity';
import { loadAudio, type LoadAudioOptions } from './loadAudio';
import { expectedFloat32, fixture, media } from './testFiles';
import { testTempDir } from '../../../../test/tempDir';

async function loadError(source: string | Uint8Array, options: LoadAudioOptions = {}): Promise<OmniError> {
  const error = await loadAudio(source, options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OmniError);
  expect((error as OmniError).code).toBe('AUDIO_DECODE_FAILED');
  return error as OmniError;
}

/** A 16-bit mono WAV holding the first `count` samples of the 16 kHz speech fixture. */
function shortWav(count: number): Uint8Array {
  const speech = readFileSync(media('speech_16k_mono.wav'));
  const header = Buffer.from(speech.subarray(0, 44));
  header.writeUInt32LE(36 + 2 * count, 4);
  header.writeUInt32LE(2 * count, 40);
  return Buffer.concat([header, speech.subarray(44, 44 + 2 * count)]);
}

describe('loadAudio: formats (expected = librosa.load(file, sr=16000))', () => {
  it('decodes a 16 kHz WAV exactly (int16 / 32768), keeping every sample', async () => {
    const waveform = await loadAudio(media('speech_16k_mono.wav'));
    const bytes = readFileSync(media('speech_16k_mono.wav'));
    expect(waveform.length).toBe(52654);
    expect(waveform[30000]).toBe(bytes.readInt16LE(44 + 2 * 30000) / 32768);
  });

  it('decodes FLAC through ffmpeg bit-exactly', async () => {
    assertExact('flac', expectedFloat32('speech_flac.librosa_16k.npy'), await loadAudio(fixture('speech.flac')));
  });

  it('decodes µ-law WAV through ffmpeg exactly', async () => {
    assertExact('µ-law', expectedFloat32('speech_ulaw.npy'), await loadAudio(fixture('speech_ulaw.wav')));
  });

  it('decodes MP3 as libsndfile (mpg123) does, to within float rounding', async () => {
    assertClose('mp3', expectedFloat32('speech_mp3.librosa_16k.npy'), await loadAudio(fixture('speech.mp3')), { atol: 1e-6 });
  });

  it('decodes M4A/AAC and WebM/Opus as librosa does through audioread (which rounds to int16)', async () => {
    for (const name of ['speech.m4a', 'speech.webm']) {
      const expected = expectedFloat32(`${name.replace('.', '_')}.librosa_16k.npy`);
      assertClose(name, expected, await loadAudio(fixture(name)), { atol: 2 / 32768 });
    }
  });

  it('decodes Ogg Vorbis to libvorbis’ samples, but keeps the 192 padding samples at the end that libsndfile trims', async () => {
    const expected = expectedFloat32('speech_ogg.librosa_16k.npy');
    const waveform = await loadAudio(fixture('speech.ogg'));
    expect(waveform.length).toBe(8192);
    assertClose('ogg', expected, waveform.subarray(0, 8000), { atol: 1e-6 });
  });

  it('decodes Ogg Opus with ffmpeg’s decoder, within 0.01 of libopus (the decoders differ)', async () => {
    const expected = expectedFloat32('speech_opus.librosa_16k.npy');
    assertClose('opus', expected, await loadAudio(fixture('speech.opus')), { atol: 0.01, maxMeanAbs: 1e-3 });
  });

  it('takes the sound track of a video', async () => {
    expect((await loadAudio(media('video_96x64_25fps_2s4.mkv'))).length).toBe(38400);
  });

  it('accepts the bytes of a file as well as its path', async () => {
    const fromBytes = await loadAudio(readFileSync(fixture('speech.m4a')), { name: 'dropped.m4a' });
    assertExact('bytes vs path', await loadAudio(fixture('speech.m4a')), fromBytes);
  });
});

describe('loadAudio: bad input gets an AUDIO_DECODE_FAILED naming the file and the problem', () => {
  it('an empty file', async () => {
    const file = path.join(testTempDir('audio'), 'empty.wav');
    writeFileSync(file, '');
    expect((await loadError(file)).message).toBe(`${file}: the file is empty (0 bytes)`);
  });

  it('a WAV with no samples', async () => {
    expect((await loadError(shortWav(0), { name: 'silent.wav' })).message).toBe('silent.wav: the audio is empty (0 samples)');
  });

  it('a missing file or a folder', async () => {
    expect((await loadError('/nonexistent/voice.wav')).message).toBe('/nonexistent/voice.wav: cannot read the file (no such file)');
    expect((await loadError(os.tmpdir())).message).toBe(`${os.tmpdir()}: cannot read the file (is a folder, not a file)`);
  });

  it('a file that is not media', async () => {
    const error = await loadError(media('manifest.json'));
    expect(error.message).toMatch(/manifest\.json: not a readable media file \(.*Invalid data/);
  });

  it('media without sound', async () => {
    const error = await loadError(media('image_odd_75x53.png'));
    expect(error.message).toMatch(/image_odd_75x53\.png: no audio stream \(.* with video\)/);
  });

  it('a truncated WAV', async () => {
    const bytes = readFileSync(media('speech_16k_mono.wav')).subarray(0, 3000);
    expect((await loadError(bytes, { name: 'cut.wav' })).message).toMatch(/^cut\.wav: truncated/);
  });

  it('a NaN sample, with where it is', async () => {
    const error = await loadError(fixture('nan_sample.wav'));
    expect(error.message).toBe(`${fixture('nan_sample.wav')}: sample 100 (at 6.25 ms) is NaN; the audio must hold finite numbers`);
  });

  it('audio too short for the log-mel’s reflect padding (200 samples or fewer at 16 kHz)', async () => {
    await expect(loadAudio(shortWav(201))).resolves.toHaveLength(201);
    const error = await loadError(shortWav(200), { name: 'click.wav' });
    expect(error.message).toBe('click.wav: 12.5 ms (200 samples at 16000 Hz) is too short; at least 201 samples (12.56 ms) are needed');
  });

  it('audio longer than the context allows, with its duration and the limit — WAV from its header', async () => {
    const error = await loadError(media('speech_16k_mono.wav'), { maxSeconds: 3 });
    expect(error.message).toMatch(/speech_16k_mono\.wav: the audio is 3\.29 s long, more than the 3 s the model's context allows$/);
    expect(error.hint).toMatch(/Trim/);
  });

  it('audio longer than the context allows — compressed formats from the container', async () => {
    const error = await loadError(fixture('speech.flac'), { maxSeconds: 0.25 });
    expect(error.message).toMatch(/speech\.flac: the audio is 500 ms long, more than the 250 ms/);
  });
});
