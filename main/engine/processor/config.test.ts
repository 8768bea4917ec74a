import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { TINY_CHECKPOINT_DIR } from '../testing/fixtures';
import { checkCheckpointFiles, loadModelConfig, loadPreprocessorConfig, parseModelConfig, parsePreprocessorConfig } from './config';

const tinyConfig = () => JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'config.json'), 'utf8'));
const tinyPreprocessor = () => JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'preprocessor_config.json'), 'utf8'));

describe('config.json', () => {
  it('reads the thinker and talker rope settings of the checkpoint, not the stale class defaults', () => {
    expect(loadModelConfig(TINY_CHECKPOINT_DIR)).toEqual({
      thinker: {
        imageTokenId: 151655,
        videoTokenId: 151656,
        audioTokenId: 151675,
        visionStartTokenId: 151652,
        audioStartTokenId: 151669,
        positionIdPerSeconds: 13,
        spatialMergeSize: 2,
      },
      maxPositionEmbeddings: 65536,
      talker: {
        imageTokenId: 151655,
        videoTokenId: 151656,
        audioTokenId: 151675,
        visionStartTokenId: 151652,
        audioStartTokenId: 151669,
        positionIdPerSeconds: 13,
        spatialMergeSize: 2,
      },
    });
  });

  it('names the file and the field of a wrong or missing value', () => {
    const wrong = tinyConfig();
    wrong.thinker_config.audio_token_id = '151675';
    delete wrong.thinker_config.vision_start_token_id;
    expect(() => parseModelConfig(wrong)).toThrow(
      'config.json: thinker_config.audio_token_id: expected integer; thinker_config.vision_start_token_id: missing (expected integer)',
    );
  });

  it('accepts a checkpoint without a talker (Thinking/Captioner)', () => {
    const thinking = tinyConfig();
    delete thinking.talker_config;
    expect(parseModelConfig(thinking).talker).toBeUndefined();
  });

  it('refuses an audio window the processor cannot count tokens for', () => {
    const odd = tinyConfig();
    odd.thinker_config.audio_config.n_window = 64;
    expect(() => parseModelConfig(odd)).toThrow('config.json: thinker_config.audio_config.n_window: expected 50');
  });
});

describe('preprocessor_config.json', () => {
  it('holds n_samples at chunk_length · sampling_rate as transformers does on load (the file says 4800000)', () => {
    const { featureExtractor, imageProcessor } = loadPreprocessorConfig(TINY_CHECKPOINT_DIR);
    expect(featureExtractor).toEqual({
      featureSize: 128,
      samplingRate: 16000,
      hopLength: 160,
      nFft: 400,
      paddingValue: 0,
      dither: 0,
      returnAttentionMask: true,
      chunkLength: 30,
      nSamples: 480000,
      nbMaxFrames: 3000,
    });
    expect(imageProcessor).toEqual({
      patchSize: 16,
      temporalPatchSize: 2,
      mergeSize: 2,
      minPixels: 3136,
      maxPixels: 12845056,
      imageMean: [0.5, 0.5, 0.5],
      imageStd: [0.5, 0.5, 0.5],
      rescaleFactor: 1 / 255,
      doResize: true,
      doRescale: true,
      doNormalize: true,
      doConvertRgb: true,
      resample: 3,
    });
  });

  it('takes the pixel bounds from size when min/max_pixels are absent, and lets min/max_pixels win', () => {
    const sized = { ...tinyPreprocessor(), size: { shortest_edge: 1024, longest_edge: 4096 } };
    expect(parsePreprocessorConfig(sized).imageProcessor).toMatchObject({ minPixels: 3136, maxPixels: 12845056 });
    delete sized.min_pixels;
    delete sized.max_pixels;
    expect(parsePreprocessorConfig(sized).imageProcessor).toMatchObject({ minPixels: 1024, maxPixels: 4096 });
  });

  it('never falls back to the CLIP mean/std of the class', () => {
    const noMean = tinyPreprocessor();
    delete noMean.image_mean;
    expect(() => parsePreprocessorConfig(noMean)).toThrow('preprocessor_config.json: image_mean: missing (expected [r, g, b])');
  });
});

describe('checkpoint directory', () => {
  it('lists every missing tokenizer and preprocessor file at once', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-ckpt-'));
    copyFileSync(path.join(TINY_CHECKPOINT_DIR, 'config.json'), path.join(dir, 'config.json'));
    copyFileSync(path.join(TINY_CHECKPOINT_DIR, 'vocab.json'), path.join(dir, 'vocab.json'));
    expect(() => checkCheckpointFiles(dir)).toThrow(
      `${dir}: not a Qwen3-Omni checkpoint or bundle, missing preprocessor_config.json, tokenizer_config.json, tokenizer.json (or vocab.json + merges.txt)`,
    );
    rmSync(dir, { recursive: true });
    expect(() => checkCheckpointFiles(dir)).toThrow(`${dir}: no such directory`);
  });

  it('accepts the tiny checkpoint', () => {
    expect(() => checkCheckpointFiles(TINY_CHECKPOINT_DIR)).not.toThrow();
  });
});
