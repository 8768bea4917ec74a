import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { OmniError } from '../../errors';
import { goldenCaseNames, loadGoldenCase, TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { assertClose, assertExact } from '../../testing/parity';
import { extractAudioFeatures } from './audioFeatures';
import { audioTokenCount } from './audioTokens';
import { audioFeatureConfig } from './featureConfig';
import { hertzToSlaneyMel } from './melFilterBank';
import { loadAudio } from './loadAudio';
import { SOXR_HQ_PASSBAND_END } from './resample';
import { media } from './testFiles';

const preprocessorConfig = JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'preprocessor_config.json'), 'utf8')) as Record<string, unknown>;
const AUDIO_PAD = 151675;
const MELS = 128;

/**
 * Mel bins whose triangles reach into the resampler's transition band (above 91.4 % of 8 kHz), where soxr's
 * two-stage design and our single-stage one differ most: bins 125–127.
 */
const firstTransitionBandMel = (() => {
  const top = hertzToSlaneyMel(8000);
  const edge = hertzToSlaneyMel(SOXR_HQ_PASSBAND_END * 8000);
  return Math.floor((edge / top) * (MELS + 1)) - 1;
})();

/** The features of the mel bins below `mels`, for every audio and frame. */
function lowerBins(features: Float32Array, audios: number, frames: number, mels: number): Float32Array {
  const out = new Float32Array(audios * mels * frames);
  for (let a = 0; a < audios; a++) out.set(features.subarray(a * MELS * frames, (a * MELS + mels) * frames), a * mels * frames);
  return out;
}

const audioCases = goldenCaseNames().filter((name) => loadGoldenCase(name).has('input_features'));

describe('audio features match transformers (oracle goldens)', () => {
  it('covers every golden case with audio', () => {
    expect(audioCases).toEqual(['audio', 'images_audio', 'video_audio', 'long_audio', 'two_turn']);
  });

  it.each(audioCases)('%s', async (name) => {
    const golden = loadGoldenCase(name);
    const sources = golden.info.audio;
    const waveforms = await Promise.all(sources.map((audio) => loadAudio(golden.mediaPath(audio.source))));
    expect(waveforms.map((w) => w.length)).toEqual(sources.map((audio) => audio.samples_16k));

    const features = extractAudioFeatures(waveforms, preprocessorConfig);
    const expected = golden.array('input_features', 'float32');
    const shape = [waveforms.length, MELS, features.maxFrames];
    const mask = { data: features.featureAttentionMask, shape: [waveforms.length, features.maxFrames] };
    assertExact('feature_attention_mask', golden.array('feature_attention_mask'), mask);

    const resampled = sources.some((audio) => audio.waveform_file !== null);
    if (resampled) {
      // The issue bounds the mean (0.01) and excepts the top bins; measured: mean 1e-5, max 1.4e-3 in bin 127.
      assertClose('input_features', expected, { data: features.inputFeatures, shape }, { atol: 0.01, maxMeanAbs: 0.01 });
      const [audios, , frames] = expected.shape;
      const mels = firstTransitionBandMel;
      assertClose(
        `input_features, mel bins < ${mels}`,
        lowerBins(expected.data as Float32Array, audios, frames, mels),
        lowerBins(features.inputFeatures, audios, frames, mels),
        { atol: 1e-3 },
      );
    } else {
      assertClose('input_features', expected, { data: features.inputFeatures, shape }, { atol: 1e-3 });
    }

    const ids = golden.array('input_ids');
    const audioPads = Array.from(ids.data as BigInt64Array).filter((id) => Number(id) === AUDIO_PAD).length;
    expect(features.frames.map(audioTokenCount).reduce((a, b) => a + b, 0)).toBe(audioPads);
  });
});

describe('extractAudioFeatures', () => {
  it('pads shorter audio with zeros to the longest and masks ⌈n/160⌉ frames of it', async () => {
    const short = await loadAudio(media('speech_44k1_stereo.wav'));
    const long = await loadAudio(media('speech_22k05_mono.wav'));
    const { frames, maxFrames, featureAttentionMask } = extractAudioFeatures([short, long], preprocessorConfig);
    expect([short.length, long.length]).toEqual([31953, 39001]);
    expect(frames).toEqual([200, 243]);
    expect(maxFrames).toBe(243);
    expect(featureAttentionMask.subarray(0, 243).reduce((a, b) => a + b, 0)).toBe(200);
    expect(featureAttentionMask[199]).toBe(1);
    expect(featureAttentionMask[200]).toBe(0);
  });

  it('does not truncate at 30 s: 32.3 s give 3232 frames and 420 tokens', async () => {
    const { frames } = extractAudioFeatures([await loadAudio(media('speech_long_16k_mono.wav'))], preprocessorConfig);
    expect(frames).toEqual([3232]);
    expect(audioTokenCount(frames[0])).toBe(420);
  });

  it('rejects a waveform too short for reflect padding, even inside a longer batch, naming it', () => {
    const error = (() => {
      try {
        extractAudioFeatures([new Float32Array(16000), new Float32Array(200)], preprocessorConfig, { names: ['a.wav', 'b.wav'] });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(OmniError);
    expect((error as OmniError).message).toMatch(/^b\.wav: 12\.5 ms \(200 samples at 16000 Hz\) is too short/);
  });

  it('gives empty outputs for no audio', () => {
    expect(extractAudioFeatures([], preprocessorConfig)).toMatchObject({ frames: [], maxFrames: 0, inputFeatures: new Float32Array(0) });
  });
});

describe('audioFeatureConfig', () => {
  it('reads the Whisper settings from the checkpoint’s preprocessor_config.json', () => {
    expect(audioFeatureConfig(preprocessorConfig)).toEqual({ featureSize: 128, samplingRate: 16000, nFft: 400, hopLength: 160, paddingValue: 0 });
  });

  it('refuses what it cannot reproduce, naming the file and the key', () => {
    expect(() => audioFeatureConfig({ ...preprocessorConfig, dither: 1e-5 }, 'x/preprocessor_config.json')).toThrow(
      'x/preprocessor_config.json: "dither" 0.00001 is not supported (only 0)',
    );
    const { hop_length: _, ...withoutHop } = preprocessorConfig;
    expect(() => audioFeatureConfig(withoutHop)).toThrow('preprocessor_config.json: "hop_length" must be a positive integer (found undefined)');
    expect(() => audioFeatureConfig({ ...preprocessorConfig, feature_extractor_type: 'SeamlessM4TFeatureExtractor' })).toThrow(/not supported/);
  });

  it('takes settings another reader already parsed, with the same refusal of dither', () => {
    const parsed = { featureSize: 128, samplingRate: 16000, nFft: 400, hopLength: 160, paddingValue: 0, dither: 0 };
    expect(audioFeatureConfig(parsed)).toBe(parsed);
    expect(() => audioFeatureConfig({ ...parsed, dither: 1 })).toThrow('"dither" 1 is not supported');
  });
});
