import { describe, expect, it } from 'vitest';
import * as ort from '../../runtime/ort';
import { loadGoldenCase, TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { compareArrays } from '../../testing/parity';
import { mropeCosSin } from '../../runtime/mrope';
import { readOmniConfig, type ThinkerConfig } from '../config';
import { openCheckpoint } from '../safetensors';
import { buildGraphSession } from '../testing/buildGraph';
import { DequantisedWeights } from '../testing/dequantisedWeights';
import { WeightReader } from '../weights';
import { kvName, PAST_PATTERN } from './io';
import type { Precision } from './layers/context';
import { makeThinker } from './thinkerDecoder';

async function prefill(weights: WeightReader, precision: Precision, config: ThinkerConfig) {
  const { session, release } = await buildGraphSession('thinker', weights, precision, (ctx) => makeThinker(ctx, config));
  const golden = loadGoldenCase('text');
  const embeds = golden.array('thinker_inputs_embeds', 'float32');
  const S = embeds.shape[0];
  const { hiddenSize: H, headDim: D } = config;
  const { cos, sin } = mropeCosSin(golden.array('position_ids', 'float32').data, D, config.rope.theta, config.rope.mropeSection);
  const feeds: Record<string, ort.Tensor> = {
    inputs_embeds: new ort.Tensor('float32', embeds.data, [1, S, H]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]),
    rope_cos: new ort.Tensor('float32', cos, [1, S, D / 2]),
    rope_sin: new ort.Tensor('float32', sin, [1, S, D / 2]),
    deepstack_embeds: new ort.Tensor('float32', new Float32Array(config.deepstackLayers * S * H), [config.deepstackLayers, 1, S, H]),
  };
  for (let layer = 0; layer < config.numLayers; layer++) {
    for (const which of ['key', 'value'] as const) feeds[kvName(PAST_PATTERN, layer, which)] = new ort.Tensor('float32', new Float32Array(0), [1, config.numKvHeads, 0, D]);
  }
  const out = await session.run(feeds);
  await release();
  return { logits: out.logits.data as Float32Array, accept: out.accept_hidden_states.data as Float32Array };
}

describe('thinker graph, int4', () => {
  it('computes exactly the fp32 graph over the dequantised weights (MatMulNBits and QMoE layouts), with fp32 activations', async () => {
    const { thinker: config } = await readOmniConfig(TINY_CHECKPOINT_DIR);
    const tensors = await openCheckpoint(TINY_CHECKPOINT_DIR);
    // accuracy_level 0 keeps activations fp32, so only weight rounding separates int4 from fp32.
    const int4 = await prefill(new WeightReader(tensors), { kind: 'int4', blockSize: 32, expertBlockSize: 128, accuracyLevel: 0 }, config);
    const dequantised = await prefill(new DequantisedWeights(tensors, config, 32, 128), { kind: 'fp32' }, config);
    for (const [name, a, b] of [['logits', int4.logits, dequantised.logits], ['accept_hidden_states', int4.accept, dequantised.accept]] as const) {
      expect(compareArrays(name, b, a).stats.relL2).toBeLessThan(1e-5);
    }
  });
});
