import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from '../../runtime/ort';
import { Xoshiro128 } from '../../runtime/sampling/rng';
import { goldenCaseNames, loadGoldenCase, TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { assertClose } from '../../testing/parity';
import { openCheckpoint } from '../safetensors';
import { readSpeechConfig, type Code2WavConfig } from '../speechConfig';
import { buildGraphSession, type BuiltSession } from '../testing/buildGraph';
import { WeightReader } from '../weights';
import { makeCode2Wav } from './code2wav';
import { code2wavFraming, code2wavSamples, makeCode2WavDecoder } from './code2wavDecoder';
import { code2wavCachedFrames, makeCode2WavTransformer } from './code2wavTransformer';
import { pastName, presentName } from './io';

describe('code2wav split for streaming: transformer with a window-bounded cache, then the convolutional decoder', () => {
  let config: Code2WavConfig;
  let onePass: BuiltSession;
  let transformer: BuiltSession;
  let decoder: BuiltSession;
  const figures: string[] = [];
  beforeAll(async () => {
    config = (await readSpeechConfig(TINY_CHECKPOINT_DIR))!.code2wav;
    const weights = new WeightReader(await openCheckpoint(TINY_CHECKPOINT_DIR));
    const fp32 = { kind: 'fp32' } as const;
    onePass = await buildGraphSession('code2wav', weights, fp32, (ctx) => makeCode2Wav(ctx, config));
    transformer = await buildGraphSession('code2wav_transformer', weights, fp32, (ctx) => makeCode2WavTransformer(ctx, config));
    decoder = await buildGraphSession('code2wav_decoder', weights, fp32, (ctx) => makeCode2WavDecoder(ctx, config));
  });
  afterAll(async () => {
    await Promise.all([onePass, transformer, decoder].map((s) => s?.release()));
    console.info(`code2wav split (case or run: max |diff|):\n${figures.join('\n')}`);
  });

  const Q = () => config.numQuantizers;
  const codesTensor = (codes: BigInt64Array, frames: number) => new ort.Tensor('int64', codes, [1, Q(), frames]);
  /** Frames [from, to) of `[1, Q, T]` codes, as `[1, Q, to − from]`. */
  const framesOf = (codes: BigInt64Array, total: number, from: number, to: number) => {
    const out = new BigInt64Array(Q() * (to - from));
    for (let q = 0; q < Q(); q++) out.set(codes.subarray(q * total + from, q * total + to), q * (to - from));
    return codesTensor(out, to - from);
  };
  const randomCodes = (frames: number, seed: number) => {
    const rng = Xoshiro128.fromSeed(seed);
    return BigInt64Array.from({ length: Q() * frames }, () => BigInt(rng.nextUint32() % config.codebookSize));
  };

  /** Runs the transformer over `codes` in runs of `sizes` frames (cycled), carrying the cache; returns [T, H] rows. */
  async function transform(codes: BigInt64Array, total: number, sizes: readonly number[]) {
    const { numLayers, numKvHeads, headDim, hiddenSize: H } = config;
    const empty = new ort.Tensor('float32', new Float32Array(0), [1, numKvHeads, 0, headDim]);
    let pasts: Record<string, ort.Tensor> = {};
    for (let l = 0; l < numLayers; l++) for (const w of ['key', 'value'] as const) pasts[pastName(l, w)] = empty;
    const hidden = new Float32Array(total * H);
    const cacheLengths: number[] = [];
    for (let at = 0, k = 0; at < total; k++) {
      const added = Math.min(sizes[k % sizes.length], total - at);
      const cached = pasts[pastName(0, 'key')].dims[2];
      const out = await transformer.session.run({
        codes: framesOf(codes, total, at, at + added),
        attention_mask: new ort.Tensor('int64', new BigInt64Array(cached + added).fill(1n), [1, cached + added]),
        first_position: new ort.Tensor('int64', BigInt64Array.of(BigInt(at)), []),
        ...pasts,
      });
      hidden.set(out.hidden.data as Float32Array, at * H);
      pasts = {};
      for (let l = 0; l < numLayers; l++) for (const w of ['key', 'value'] as const) pasts[pastName(l, w)] = out[presentName(l, w)];
      cacheLengths.push(out[presentName(numLayers - 1, 'value')].dims[2]);
      at += added;
    }
    return { hidden, cacheLengths };
  }

  const decode = async (hidden: Float32Array, frames: number) => {
    const { waveform } = await decoder.session.run({ hidden: new ort.Tensor('float32', hidden, [1, frames, config.hiddenSize]) });
    expect(waveform.dims).toEqual([1, 1, code2wavSamples(config, frames)]);
    return waveform.data as Float32Array;
  };

  it('the decoder yields 1920·T − 555 samples for the checkpoint rates', () => {
    expect([1, 2, 80].map((frames) => code2wavSamples(config, frames))).toEqual([1365, 3285, 153045]);
    expect(code2wavFraming(config)).toEqual({ samplesPerFrame: 1920, lookaheadSamples: 555 });
  });

  it('the tiny model keeps 71 positions per layer (window 72)', () => {
    expect(config.slidingWindow).toBe(72);
    expect(code2wavCachedFrames(config)).toBe(71);
  });

  for (const name of goldenCaseNames()) {
    for (const [codesName, waveName] of [['code2wav_codes', 'code2wav_waveform'], ['codes', 'waveform']] as const) {
      it(`${name}: ${waveName} from ${codesName}, fed in runs of 5 frames, then decoded at once`, async () => {
        const golden = loadGoldenCase(name);
        const codes = golden.array(codesName, 'int64');
        const frames = codes.shape[1];
        const { hidden } = await transform(codes.data, frames, [5]);
        const stats = assertClose(`${name} ${waveName}`, golden.array(waveName, 'float32').data, await decode(hidden, frames), { atol: 1e-4, minCorrelation: 0.999 });
        figures.push(`  ${name} ${waveName} (${frames} frames): ${stats.maxAbs.toExponential(2)}`);
      });
    }
  }

  it('400 frames: the split equals the one-pass graph', async () => {
    const frames = 400;
    const codes = randomCodes(frames, 1);
    const { waveform } = await onePass.session.run({ codes: codesTensor(codes, frames) });
    const { hidden } = await transform(codes, frames, [frames]);
    const stats = assertClose('split vs one pass', waveform.data as Float32Array, await decode(hidden, frames), { atol: 1e-5 });
    figures.push(`  one run of 400 vs one pass: ${stats.maxAbs.toExponential(2)}`);
  });

  for (const sizes of [[1], [1, 1, 2, 5], [3, 25], [71], [72, 73]]) {
    it(`400 frames fed ${sizes.join(',')},… at a time give the one-run transformer output, the cache never above 71 positions`, async () => {
      const frames = 400;
      const codes = randomCodes(frames, 2);
      const whole = await transform(codes, frames, [frames]);
      const streamed = await transform(codes, frames, sizes);
      const stats = assertClose(`hidden fed ${sizes.join(',')}`, whole.hidden, streamed.hidden, { atol: 1e-5 });
      figures.push(`  hidden fed ${sizes.join(',')}: ${stats.maxAbs.toExponential(2)}`);
      let fed = 0;
      const expected = streamed.cacheLengths.map((_, k) => {
        fed = Math.min(frames, fed + sizes[k % sizes.length]);
        return Math.min(fed, 71);
      });
      expect(streamed.cacheLengths).toEqual(expected);
    });
  }
});
