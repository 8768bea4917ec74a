import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from '../../../runtime/ort';
import type { MoeConfig } from '../../config';
import { EXPERT_FORMAT } from '../../moe';
import { ExternalDataWriter } from '../../onnx/externalData';
import { DataType, GraphBuilder } from '../../onnx/graph';
import { dequantize, quantizeBlockwise } from '../../quantize';
import { seeded, syntheticWeights } from '../../testing/writeSafetensors';
import type { WeightReader } from '../../weights';
import type { LayerContext, Precision } from './context';
import { makeMlp } from './mlp';
import { makeMoe } from './moe';

/** Builds a one-input graph around `make`, runs it on `x` [T, H] and returns the output. */
async function runLayer(weights: WeightReader, precision: Precision, H: number, x: Float32Array, make: (ctx: LayerContext, input: string) => Promise<string>) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-layer-'));
  const data = await ExternalDataWriter.create(path.join(dir, 'layer.onnx.data'));
  const g = new GraphBuilder('layer', data);
  const input = g.input('x', DataType.FLOAT, ['batch_size', 'sequence_length', H]);
  const out = await make({ g, weights, precision }, input);
  g.node('Identity', [out], {}, { name: '/out', outputs: ['y'] });
  g.output('y', DataType.FLOAT, ['batch_size', 'sequence_length', H]);
  await data.close();
  writeFileSync(path.join(dir, 'layer.onnx'), g.toModel({ producerVersion: 'test' }));
  const session = await ort.InferenceSession.create(path.join(dir, 'layer.onnx'));
  const { y } = await session.run({ x: new ort.Tensor('float32', x, [1, x.length / H, H]) });
  await session.release();
  return y.data as Float32Array;
}

const silu = (v: number) => v / (1 + Math.exp(-v));
const dot = (w: Float32Array, row: number, x: Float32Array, at: number, K: number) => {
  let acc = 0;
  for (let k = 0; k < K; k++) acc += w[row * K + k] * x[at + k];
  return acc;
};

/**
 * transformers' Qwen3OmniMoeThinkerTextSparseMoeBlock in plain TS: softmax over all experts, top-k, optional
 * renormalisation, Σ weight · down(silu(gate x) ⊙ up x). Also returns the largest |gate x| seen.
 */
function referenceMoe(x: Float32Array, H: number, moe: MoeConfig, w: { router: Float32Array; gate: Float32Array[]; up: Float32Array[]; down: Float32Array[] }) {
  const { numExperts: E, intermediateSize: I, topK } = moe;
  const T = x.length / H;
  const out = new Float32Array(T * H);
  let maxGate = 0;
  for (let t = 0; t < T; t++) {
    const logits = Array.from({ length: E }, (_, e) => dot(w.router, e, x, t * H, H));
    const peak = Math.max(...logits);
    const total = logits.reduce((a, l) => a + Math.exp(l - peak), 0);
    const chosen = logits.map((l, e) => ({ p: Math.exp(l - peak) / total, e })).sort((a, b) => b.p - a.p).slice(0, topK);
    const norm = moe.normTopKProb ? chosen.reduce((a, c) => a + c.p, 0) : 1;
    for (const { p, e } of chosen) {
      const hidden = Float32Array.from({ length: I }, (_, i) => {
        const g = dot(w.gate[e], i, x, t * H, H);
        maxGate = Math.max(maxGate, Math.abs(g));
        return silu(g) * dot(w.up[e], i, x, t * H, H);
      });
      for (let h = 0; h < H; h++) out[t * H + h] += (p / norm) * dot(w.down[e], h, hidden, 0, I);
    }
  }
  return { out, maxGate };
}

function relativeError(actual: Float32Array, expected: Float32Array) {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / scale;
}

async function moeFixture(moe: MoeConfig, H: number, gateScale: number) {
  const { numExperts: E, intermediateSize: I } = moe;
  const w = {
    router: seeded(E * H, 1),
    gate: Array.from({ length: E }, (_, e) => seeded(I * H, 10 + e, gateScale)),
    up: Array.from({ length: E }, (_, e) => seeded(I * H, 30 + e)),
    down: Array.from({ length: E }, (_, e) => seeded(H * I, 50 + e)),
  };
  const tensors: Record<string, { data: Float32Array; shape: number[] }> = { 'mlp.gate.weight': { data: w.router, shape: [E, H] } };
  for (let e = 0; e < E; e++) {
    tensors[`mlp.experts.${e}.gate_proj.weight`] = { data: w.gate[e], shape: [I, H] };
    tensors[`mlp.experts.${e}.up_proj.weight`] = { data: w.up[e], shape: [I, H] };
    tensors[`mlp.experts.${e}.down_proj.weight`] = { data: w.down[e], shape: [H, I] };
  }
  const weights = await syntheticWeights(path.join(mkdtempSync(path.join(os.tmpdir(), 'omnidesk-moe-')), 'model.safetensors'), tensors);
  return { w, weights };
}

describe('makeMoe', () => {
  const H = 32;
  const x = seeded(7 * H, 99, 2);

  for (const normTopKProb of [true, false]) {
    it(`ORT MoE (fp32) equals transformers' SiLU(gate)·up experts with softmax→top-k routing, norm_topk_prob=${normTopKProb}`, async () => {
      const moe: MoeConfig = { numExperts: 8, topK: 3, intermediateSize: 16, normTopKProb, sharedExpertIntermediateSize: 0 };
      // Gates reach far beyond GPT-OSS's clamp of 7, so a clamp, α ≠ 1 (e.g. 1.702) or β ≠ 0 (e.g. 1) would show.
      const { w, weights } = await moeFixture(moe, H, 1.5);
      const reference = referenceMoe(x, H, moe, w);
      expect(reference.maxGate).toBeGreaterThan(15);
      const actual = await runLayer(weights, { kind: 'fp32' }, H, x, (ctx, input) => makeMoe(ctx, '/model/layers.0/moe', 'mlp', moe, H, input));
      expect(relativeError(actual, reference.out)).toBeLessThan(1e-6);
    });
  }

  for (const expertBlockSize of [16, 128]) {
    it(`QMoE (int4, ${expertBlockSize === 16 ? 'block 16' : 'per-row scales: 128 does not divide the widths'}) equals the same experts with dequantised weights`, async () => {
      const moe: MoeConfig = { numExperts: 8, topK: 3, intermediateSize: 16, normTopKProb: true, sharedExpertIntermediateSize: 0 };
      const { w, weights } = await moeFixture(moe, H, 1);
      const block = expertBlockSize === 16 ? 16 : undefined;
      const fake = (m: Float32Array, N: number, K: number) => dequantize(quantizeBlockwise(m, N, K, block ?? K, EXPERT_FORMAT), N, K, block ?? K);
      const reference = referenceMoe(x, H, moe, {
        router: w.router,
        gate: w.gate.map((m) => fake(m, 16, H)),
        up: w.up.map((m) => fake(m, 16, H)),
        down: w.down.map((m) => fake(m, H, 16)),
      });
      const precision: Precision = { kind: 'int4', blockSize: 32, expertBlockSize, accuracyLevel: 0 };
      const actual = await runLayer(weights, precision, H, x, (ctx, input) => makeMoe(ctx, '/model/layers.0/moe', 'mlp', moe, H, input));
      expect(relativeError(actual, reference.out)).toBeLessThan(1e-5);
    });
  }
});

describe('makeMlp', () => {
  it('computes the dense SwiGLU down(silu(gate x) ⊙ up x)', async () => {
    const H = 16;
    const I = 40;
    const gate = seeded(I * H, 1);
    const up = seeded(I * H, 2);
    const down = seeded(H * I, 3);
    const weights = await syntheticWeights(path.join(mkdtempSync(path.join(os.tmpdir(), 'omnidesk-mlp-')), 'model.safetensors'), {
      'mlp.gate_proj.weight': { data: gate, shape: [I, H] },
      'mlp.up_proj.weight': { data: up, shape: [I, H] },
      'mlp.down_proj.weight': { data: down, shape: [H, I] },
    });
    const x = seeded(3 * H, 4);
    const expected = new Float32Array(3 * H);
    for (let t = 0; t < 3; t++) {
      const hidden = Float32Array.from({ length: I }, (_, i) => silu(dot(gate, i, x, t * H, H)) * dot(up, i, x, t * H, H));
      for (let h = 0; h < H; h++) expected[t * H + h] = dot(down, h, hidden, 0, I);
    }
    const actual = await runLayer(weights, { kind: 'fp32' }, H, x, (ctx, input) => makeMlp(ctx, '/model/layers.0/mlp', 'mlp', H, I, input));
    expect(relativeError(actual, expected)).toBeLessThan(1e-6);
  });
});
