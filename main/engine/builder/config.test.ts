import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TINY_CHECKPOINT_DIR } from '../testing/fixtures';
import { isMoeLayer, parseOmniConfig, readOmniConfig } from './config';

const tinyJson = () => JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'config.json'), 'utf8'));

describe('builder config', () => {
  it("reads the tiny checkpoint's thinker dimensions from config.json", async () => {
    const config = await readOmniConfig(TINY_CHECKPOINT_DIR);
    expect(config.architecture).toBe('Qwen3OmniMoeForConditionalGeneration');
    expect(config.thinker).toEqual({
      vocabSize: 152064,
      hiddenSize: 8,
      numLayers: 5,
      numHeads: 4,
      numKvHeads: 2,
      headDim: 32,
      rmsNormEps: 1e-6,
      rope: { theta: 1e6, mropeSection: [8, 4, 4] },
      moe: { numExperts: 8, topK: 3, intermediateSize: 8, normTopKProb: true, sharedExpertIntermediateSize: 0 },
      intermediateSize: 24,
      mlpOnlyLayers: [],
      decoderSparseStep: 1,
      tieWordEmbeddings: false,
      acceptHiddenLayer: 4,
      deepstackLayers: 3,
    });
    expect(Array.from({ length: 5 }, (_, i) => isMoeLayer(config.thinker, i))).toEqual([true, true, true, true, true]);
  });

  it('accepts the transformers 4.x rope keys (rope_theta + rope_scaling) and derives a missing head_dim as transformers does', () => {
    const json = tinyJson();
    const text = json.thinker_config.text_config;
    delete text.rope_parameters;
    text.rope_theta = 5e5;
    text.rope_scaling = { type: 'default', mrope_section: [2, 1, 1], interleaved: true };
    delete text.head_dim;
    text.num_attention_heads = 1; // 8 / 1 = 8 → section must sum to 4
    text.num_key_value_heads = 1;
    const { thinker } = parseOmniConfig(json);
    expect(thinker.headDim).toBe(8);
    expect(thinker.rope).toEqual({ theta: 5e5, mropeSection: [2, 1, 1] });
  });

  it('refuses an unknown architecture with INVALID_REQUEST', () => {
    const json = tinyJson();
    json.architectures = ['Qwen2_5OmniModel'];
    expect(() => parseOmniConfig(json, '/ckpt/config.json')).toThrow(
      expect.objectContaining({
        code: 'INVALID_REQUEST',
        message: '/ckpt/config.json: architecture Qwen2_5OmniModel is not supported (supported: Qwen3OmniMoeForConditionalGeneration)',
      }),
    );
  });

  it('names the file and the field of a missing or wrong key', () => {
    const missing = tinyJson();
    delete missing.thinker_config.text_config.hidden_size;
    expect(() => parseOmniConfig(missing, '/ckpt/config.json')).toThrow(
      expect.objectContaining({ code: 'CHECKPOINT_INVALID', message: '/ckpt/config.json: thinker_config.text_config.hidden_size: missing (expected a positive integer)' }),
    );
    const noTopK = tinyJson();
    delete noTopK.thinker_config.text_config.num_experts_per_tok;
    expect(() => parseOmniConfig(noTopK)).toThrow('config.json: thinker_config.text_config.num_experts_per_tok: missing (required when num_experts is 8)');
    const badSection = tinyJson();
    badSection.thinker_config.text_config.rope_parameters.mrope_section = [24, 20, 20];
    expect(() => parseOmniConfig(badSection)).toThrow('mrope_section: [24, 20, 20] must have 3 entries summing to head_dim / 2 = 16');
    const noAccept = tinyJson();
    delete noAccept.talker_config.accept_hidden_layer;
    expect(() => parseOmniConfig(noAccept)).toThrow('config.json: talker_config.accept_hidden_layer: missing (expected a positive integer)');
    const gelu = tinyJson();
    gelu.thinker_config.text_config.hidden_act = 'gelu';
    expect(() => parseOmniConfig(gelu)).toThrow('thinker_config.text_config.hidden_act: only silu (SwiGLU) experts are supported');
  });

  it('has no accept tap for a checkpoint without a talker (Thinking/Captioner)', () => {
    const json = tinyJson();
    json.enable_audio_output = false;
    delete json.talker_config;
    expect(parseOmniConfig(json).thinker.acceptHiddenLayer).toBeNull();
  });
});
