import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TINY_CHECKPOINT_DIR } from '../testing/fixtures';
import { isMoeLayer } from './config';
import { parseSpeechConfig, readSpeechConfig } from './speechConfig';

const tinyJson = () => JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'config.json'), 'utf8'));

describe('speech config', () => {
  it("reads the tiny checkpoint's talker, code predictor and Code2Wav dimensions from config.json", async () => {
    const speech = (await readSpeechConfig(TINY_CHECKPOINT_DIR))!;
    expect(speech.talker).toMatchObject({
      vocabSize: 3072,
      hiddenSize: 12,
      numLayers: 2,
      numHeads: 2,
      numKvHeads: 1,
      headDim: 32,
      rope: { theta: 1e6, mropeSection: [8, 4, 4] },
      // transformers 5.18 saves the talker's num_experts as num_local_experts.
      moe: { numExperts: 6, topK: 2, intermediateSize: 8, normTopKProb: true, sharedExpertIntermediateSize: 12 },
      thinkerHiddenSize: 8,
      projectionSize: 24,
      numCodeGroups: 16,
      tieWordEmbeddings: false,
    });
    expect(speech.codePredictor).toMatchObject({
      vocabSize: 2048,
      hiddenSize: 12,
      numLayers: 2,
      numKvHeads: 1,
      headDim: 32,
      intermediateSize: 24,
      moe: null,
      rope: { theta: 1e6, mropeSection: [16, 0, 0] },
    });
    expect(speech.code2wav).toEqual({
      codebookSize: 2048,
      numQuantizers: 16,
      hiddenSize: 16,
      numLayers: 2,
      numHeads: 2,
      numKvHeads: 2,
      headDim: 8,
      intermediateSize: 32,
      slidingWindow: 72,
      ropeTheta: 1e4,
      rmsNormEps: 1e-5,
      upsamplingRatios: [2, 2],
      upsampleRates: [8, 5, 4, 3],
      decoderDim: 32,
    });
  });

  it('is absent without audio output, and accepts num_experts as the real checkpoint spells it', () => {
    const json = tinyJson();
    json.enable_audio_output = false;
    expect(parseSpeechConfig(json)).toBeNull();
    const real = tinyJson();
    const text = real.talker_config.text_config;
    text.num_experts = text.num_local_experts;
    delete text.num_local_experts;
    expect(parseSpeechConfig(real)!.talker.moe!.numExperts).toBe(6);
  });

  it('makes every talker layer sparse with its shared expert, as transformers does whatever mlp_only_layers says', () => {
    const json = tinyJson();
    json.talker_config.text_config.mlp_only_layers = [0];
    json.talker_config.text_config.decoder_sparse_step = 2;
    const { talker } = parseSpeechConfig(json)!;
    expect([0, 1].map((layer) => isMoeLayer(talker, layer))).toEqual([true, true]);
  });

  it('names the file and field when a key transformers needs is missing or inconsistent', () => {
    const missing = tinyJson();
    delete missing.talker_config.text_config.shared_expert_intermediate_size;
    expect(() => parseSpeechConfig(missing, '/ckpt/config.json')).toThrow(/\/ckpt\/config\.json: talker_config\.text_config\.shared_expert_intermediate_size: missing/);
    const sliding = tinyJson();
    sliding.talker_config.code_predictor_config.layer_types = ['full_attention', 'sliding_attention'];
    expect(() => parseSpeechConfig(sliding)).toThrow(/code_predictor_config\.layer_types\.1/);
    const groups = tinyJson();
    groups.code2wav_config.num_quantizers = 8;
    expect(() => parseSpeechConfig(groups)).toThrow(/code2wav_config\.num_quantizers: 8 differs from talker_config\.num_code_groups 16/);
  });
});
