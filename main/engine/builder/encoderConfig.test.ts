import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { TINY_CHECKPOINT_DIR } from '../testing/fixtures';
import { parseEncoderConfigs } from './encoderConfig';

const tinyJson = () => JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'config.json'), 'utf8'));

describe('encoder config', () => {
  it("reads the tiny checkpoint's audio and vision encoder dimensions", () => {
    expect(parseEncoderConfigs(tinyJson())).toEqual({
      audio: { melBins: 128, hiddenSize: 32, numLayers: 2, numHeads: 2, ffnSize: 64, activation: 'none', convChannels: 8, nWindow: 50, nWindowInfer: 800, outputSize: 8 },
      vision: {
        hiddenSize: 32,
        depth: 5,
        numHeads: 2,
        intermediateSize: 64,
        activation: 'tanh',
        inChannels: 3,
        patchSize: 16,
        temporalPatchSize: 2,
        spatialMergeSize: 2,
        numGridPerSide: 48,
        ropeTheta: 10000,
        deepstackIndexes: [1, 2, 3],
        outputSize: 8,
      },
    });
  });

  it('takes the vision rope base 10000 when a transformers 4.x config has no rope_parameters', () => {
    const json = tinyJson();
    delete json.thinker_config.vision_config.rope_parameters;
    expect(parseEncoderConfigs(json).vision.ropeTheta).toBe(10000);
  });

  it('names the file and field of a missing or inconsistent value', () => {
    const check = (edit: (json: ReturnType<typeof tinyJson>) => void, message: string) => {
      const json = tinyJson();
      edit(json);
      expect(() => parseEncoderConfigs(json, '/ckpt/config.json')).toThrow(expect.objectContaining({ code: 'CHECKPOINT_INVALID', message }));
    };
    check((j) => delete j.thinker_config.audio_config.d_model, '/ckpt/config.json: thinker_config.audio_config.d_model: missing (expected a positive integer)');
    check((j) => (j.thinker_config.audio_config.n_window = 100), '/ckpt/config.json: thinker_config.audio_config.n_window: expected 50 (transformers counts 13 tokens per 100-frame chunk)');
    check((j) => (j.thinker_config.vision_config.hidden_act = 'silu'), '/ckpt/config.json: thinker_config.vision_config.hidden_act: expected one of gelu, gelu_pytorch_tanh, gelu_new');
    check((j) => (j.thinker_config.audio_config.output_dim = 3584), "/ckpt/config.json: thinker_config.audio_config.output_dim: 3584 differs from the thinker's hidden_size 8");
    check((j) => (j.thinker_config.vision_config.num_heads = 3), '/ckpt/config.json: thinker_config.vision_config.num_heads: hidden_size 32 / num_heads 3 is not a multiple of 4');
    check((j) => (j.thinker_config.vision_config.num_position_embeddings = 2300), '/ckpt/config.json: thinker_config.vision_config.num_position_embeddings: 2300 is not a square grid');
    check((j) => (j.thinker_config.vision_config.deepstack_visual_indexes = [1, 5]), '/ckpt/config.json: thinker_config.vision_config.deepstack_visual_indexes: block 5 is beyond depth 5');
  });
});
