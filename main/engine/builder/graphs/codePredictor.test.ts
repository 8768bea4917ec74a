import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as ort from '../../runtime/ort';
import { Xoshiro128 } from '../../runtime/sampling/rng';
import { ExternalDataWriter } from '../onnx/externalData';
import { DataType, GraphBuilder } from '../onnx/graph';
import { rankLogits } from './codePredictor';
import { goldenCaseNames, loadGoldenCase } from '../../testing/fixtures';
import { assertClose, assertExact, compareArrays } from '../../testing/parity';
import { openSpeechGraphs, type SpeechGraphs } from '../testing/speechGraphs';

const USER = 872;

describe('code predictor, codec_embed and talker_proj graphs against transformers, fp32 even in the int4 variant', () => {
  let graphs: SpeechGraphs;
  let logitsFigure = '';
  beforeAll(async () => {
    // Built as for the int4 variant: these three graphs ignore it (only the talker quantises), so fp32 tolerances hold.
    graphs = await openSpeechGraphs({ kind: 'int4', blockSize: 32, expertBlockSize: 128, accuracyLevel: 4 });
  });
  afterAll(async () => {
    await graphs.release();
    console.info(`code predictor logits (text case): ${logitsFigure}`);
  });

  for (const name of goldenCaseNames()) {
    it(`${name}: one frame's 15 greedy codes from the oracle's [last hidden, embedding of c0]`, async () => {
      const golden = loadGoldenCase(name);
      const H = graphs.config.talker.hiddenSize;
      const input = golden.array('code_predictor_input', 'float32').data;
      const frame = Array.from(golden.array('code_predictor_frame', 'int64').data, Number);
      const { embeds } = await graphs.embedCodes([frame[0]], 0);
      assertClose('codec_embedding(c0)', input.subarray(H), embeds, { atol: 0 });
      const { codes, logits } = await graphs.predictFrame(input.subarray(0, H), frame[0]);
      assertExact('code_predictor_frame', frame, codes);
      if (Number(golden.array('input_ids', 'int64').data[1]) === USER) {
        // The prompt opens with a user segment, so the talker's first row is text_projection of the first word.
        const Ht = graphs.config.talker.thinkerHiddenSize;
        const { text } = await graphs.project(golden.array('thinker_inputs_embeds', 'float32').data.subarray(0, Ht), new Float32Array(0));
        assertClose('talker_prefill_embeds[0]', golden.array('talker_prefill_embeds', 'float32').data.subarray(0, H), text, { atol: 1e-5, rtol: 1e-5 });
      }
      if (golden.has('code_predictor_logits')) {
        const expected = golden.array('code_predictor_logits', 'float32').data;
        const actual = Float32Array.from(logits.flatMap((row) => Array.from(row)));
        const { stats } = compareArrays('code_predictor_logits', expected, actual);
        const peak = expected.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
        logitsFigure = `max rel error ${(stats.maxAbs / peak).toExponential(2)}, cosine ${stats.cosine.toFixed(9)}`;
        expect(stats.maxAbs / peak).toBeLessThan(1e-3);
      }
    });
  }
});

describe('the ranked logits the host draws from', () => {
  it('are the largest logits, descending, equal ones by lower id, as onnxruntime runs TopK', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-ranked-'));
    try {
      const V = 2048;
      const data = await ExternalDataWriter.create(path.join(dir, 'ranked.onnx.data'));
      const g = new GraphBuilder('ranked', data);
      rankLogits(g, g.input('logits', DataType.FLOAT, ['batch_size', V]), 64);
      await data.close();
      writeFileSync(path.join(dir, 'ranked.onnx'), g.toModel({ producerVersion: 'test' }));
      const session = await ort.InferenceSession.create(path.join(dir, 'ranked.onnx'));
      // On a 1/4 grid most of the largest values are tied, several times over.
      const values = Xoshiro128.fromSeed(11);
      const logits = Float32Array.from({ length: V }, () => Math.round(values.nextFloat() * 40) / 4);
      const out = await session.run({ logits: new ort.Tensor('float32', logits, [1, V]) });
      await session.release();
      const expected = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a] || a - b).slice(0, 64);
      expect(Array.from(out.top_ids.data as Int32Array)).toEqual(expected);
      expect(Array.from(out.top_logits.data as Float32Array)).toEqual(expected.map((id) => logits[id]));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
