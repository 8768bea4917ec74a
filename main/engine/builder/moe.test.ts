import { describe, expect, it } from 'vitest';
import path from 'node:path';
import type { MoeConfig } from './config';
import { EXPERT_FORMAT, qmoeBlockSize, readExperts, type ExpertStack } from './moe';
import { quantizeBlockwise, RowQuantiser } from './quantize';
import { openCheckpoint, widen, type StoredFloats } from './safetensors';
import { WeightReader, type RowValues } from './weights';
import { f32Tensor, seeded, syntheticWeights, writeSafetensors } from './testing/writeSafetensors';
import { testTempDir } from '../../../test/tempDir';

const moe: MoeConfig = { numExperts: 3, topK: 2, intermediateSize: 4, normTopKProb: true, sharedExpertIntermediateSize: 0 };
const H = 32;
const I = moe.intermediateSize;
const E = moe.numExperts;
const gate = Array.from({ length: E }, (_, e) => seeded(I * H, 1 + e));
const up = Array.from({ length: E }, (_, e) => seeded(I * H, 10 + e));
const down = Array.from({ length: E }, (_, e) => seeded(H * I, 20 + e));
const tmpFile = () => path.join(testTempDir('experts'), 'model.safetensors');

async function perExpertCheckpoint() {
  const tensors: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (let e = 0; e < E; e++) {
    tensors[`experts.${e}.gate_proj.weight`] = { data: gate[e], shape: [I, H] };
    tensors[`experts.${e}.up_proj.weight`] = { data: up[e], shape: [I, H] };
    tensors[`experts.${e}.down_proj.weight`] = { data: down[e], shape: [H, I] };
  }
  return syntheticWeights(tmpFile(), tensors);
}

/** Every expert's matrix of one stack, in order, as read. */
async function read(weights: WeightReader, which: ExpertStack, values: RowValues): Promise<StoredFloats[]> {
  const experts = [];
  for await (const expert of readExperts(weights, 'experts', moe, H, which, values)) experts.push(expert);
  return experts;
}

/** Every expert's matrix of one stack, in order, widened. */
const stack = async (weights: WeightReader, which: ExpertStack, values: RowValues = 'stored') => (await read(weights, which, values)).map((m) => widen(m));

/** bf16 bits of fp32 values (truncated: the tests compare with `fromBf16` of the same bits). */
const bf16 = (values: Float32Array) => new Uint8Array(Uint16Array.from(new Uint32Array(values.buffer.slice(0)), (bits) => bits >>> 16).buffer);
const fromBf16 = (values: Float32Array) => new Float32Array(Uint32Array.from(new Uint32Array(values.buffer.slice(0)), (bits) => bits & 0xffff0000).buffer);

describe('expert stacking', () => {
  it('reads fc1 expert by expert with gate and up rows interleaved (gate at even rows) as [2I, H], and fc2 as down [H, I]', async () => {
    const weights = await perExpertCheckpoint();
    for (const values of ['stored', 'fp32'] as const) {
      const fc1 = await stack(weights, 'fc1', values);
      const fc2 = await stack(weights, 'fc2', values);
      expect(fc1.map((m) => m.length)).toEqual(Array(E).fill(2 * I * H));
      for (let e = 0; e < E; e++) {
        for (let i = 0; i < I; i++) {
          expect(fc1[e].subarray(2 * i * H, (2 * i + 1) * H)).toEqual(gate[e].subarray(i * H, (i + 1) * H));
          expect(fc1[e].subarray((2 * i + 1) * H, (2 * i + 2) * H)).toEqual(up[e].subarray(i * H, (i + 1) * H));
        }
        expect(fc2[e]).toEqual(down[e]);
      }
    }
  });

  it("reads transformers 5's fused gate_up_proj [E, 2I, H] (gate rows first) to the same stacks", async () => {
    const gateUp = new Float32Array(E * 2 * I * H);
    const fusedDown = new Float32Array(E * H * I);
    for (let e = 0; e < E; e++) {
      gateUp.set(gate[e], e * 2 * I * H);
      gateUp.set(up[e], e * 2 * I * H + I * H);
      fusedDown.set(down[e], e * H * I);
    }
    const fused = await syntheticWeights(tmpFile(), {
      'experts.gate_up_proj': { data: gateUp, shape: [E, 2 * I, H] },
      'experts.down_proj': { data: fusedDown, shape: [E, H, I] },
    });
    const perExpert = await perExpertCheckpoint();
    for (const which of ['fc1', 'fc2'] as const) {
      for (const values of ['stored', 'fp32'] as const) expect(await stack(fused, which, values)).toEqual(await stack(perExpert, which, values));
    }
  });

  it('hands bf16 experts out as stored, rows moved but not widened, and widens a gate and up stored in different types alike', async () => {
    const dir = testTempDir('bf16-experts');
    const gateUp = new Float32Array(E * 2 * I * H);
    for (let e = 0; e < E; e++) {
      gateUp.set(gate[e], e * 2 * I * H);
      gateUp.set(up[e], e * 2 * I * H + I * H);
    }
    writeSafetensors(path.join(dir, 'model.safetensors'), {
      'experts.gate_up_proj': { dtype: 'BF16', shape: [E, 2 * I, H], bytes: bf16(gateUp) },
      'experts.down_proj': { dtype: 'BF16', shape: [E, H, I], bytes: bf16(Float32Array.from(down.flatMap((d) => Array.from(d)))) },
      'mixed.0.gate_proj.weight': { dtype: 'BF16', shape: [I, H], bytes: bf16(gate[0]) },
      'mixed.0.up_proj.weight': f32Tensor(fromBf16(up[0]), [I, H]),
    });
    const weights = new WeightReader(await openCheckpoint(dir));
    const stored = await read(weights, 'fc1', 'stored');
    expect(stored.map((m) => [m.dtype, m.bytes.byteLength])).toEqual(Array(E).fill(['BF16', 2 * I * H * 2]));
    for (const which of ['fc1', 'fc2'] as const) expect(await stack(weights, which, 'stored')).toEqual(await stack(weights, which, 'fp32'));
    const fc1 = (await stack(weights, 'fc1'))[1];
    expect(fc1.subarray(0, H)).toEqual(fromBf16(gate[1]).subarray(0, H));
    expect(fc1.subarray(H, 2 * H)).toEqual(fromBf16(up[1]).subarray(0, H));
    const mixed = (await readExperts(weights, 'mixed', { ...moe, numExperts: 1 }, H, 'fc1', 'stored').next()).value as StoredFloats;
    expect(mixed.dtype).toBe('F32');
    expect(widen(mixed).subarray(0, 2 * H)).toEqual(Float32Array.from([...fromBf16(gate[0]).subarray(0, H), ...fromBf16(up[0]).subarray(0, H)]));
  });

  it('names a missing expert tensor and a fused tensor of the wrong shape', async () => {
    const partial = await syntheticWeights(tmpFile(), { 'experts.0.gate_proj.weight': { data: gate[0], shape: [I, H] } });
    await expect(stack(partial, 'fc1')).rejects.toThrow('checkpoint has no tensor experts.0.up_proj.weight');
    const transposed = await syntheticWeights(tmpFile(), {
      'experts.gate_up_proj': { data: new Float32Array(E * 2 * I * H), shape: [E, H, 2 * I] },
      'experts.down_proj': { data: new Float32Array(E * H * I), shape: [E, H, I] },
    });
    await expect(stack(transposed, 'fc1')).rejects.toThrow(`tensor experts.gate_up_proj has shape [${E}, ${H}, ${2 * I}] but config.json implies [${E}, ${2 * I}, ${H}]`);
  });

  it('quantises expert by expert into stacked QMoE blocks, falling back to per-row scales when the block does not divide', async () => {
    expect(qmoeBlockSize(128, 2048, 768)).toBe(128);
    expect(qmoeBlockSize(128, 8, 8)).toBe(0);
    expect(qmoeBlockSize(16, 32, 16)).toBe(16);
    expect(qmoeBlockSize(128, H, I)).toBe(0);
    const q = new RowQuantiser({ tensor: 'experts (fc1)', N: E * 2 * I, K: H, blockSize: H, format: EXPERT_FORMAT });
    const packed = [];
    for await (const levels of q.packed(readExperts(await perExpertCheckpoint(), 'experts', moe, H, 'fc1', 'stored'))) packed.push(...levels);
    expect(packed.length).toBe((E * 2 * I * H) / 2);
    expect(q.allScales.length).toBe(E * 2 * I);
    // Row 1 of expert 2's fc1 is up row 0: quantised alone, as one block, it gives the same levels and scale.
    const alone = quantizeBlockwise(up[2].subarray(0, H), 1, H, H, EXPERT_FORMAT);
    expect(q.allScales[2 * 2 * I + 1]).toBe(alone.scales[0]);
    expect(packed.slice((2 * 2 * I + 1) * (H / 2), (2 * 2 * I + 2) * (H / 2))).toEqual(Array.from(alone.packed));
  });
});
