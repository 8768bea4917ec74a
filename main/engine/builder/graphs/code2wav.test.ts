import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from '../../runtime/ort';
import { goldenCaseNames, loadGoldenCase, TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { assertClose } from '../../testing/parity';
import { openCheckpoint } from '../safetensors';
import { readSpeechConfig, type Code2WavConfig } from '../speechConfig';
import { buildGraphSession, type BuiltSession } from '../testing/buildGraph';
import { WeightReader } from '../weights';
import { makeCode2Wav } from './code2wav';
import { code2wavSamples } from './code2wavDecoder';

describe('one-pass code2wav graph (fp32; builder 1 bundles, and what streaming is proven against) against transformers', () => {
  let built: BuiltSession;
  let config: Code2WavConfig;
  const figures: string[] = [];
  beforeAll(async () => {
    config = (await readSpeechConfig(TINY_CHECKPOINT_DIR))!.code2wav;
    const weights = new WeightReader(await openCheckpoint(TINY_CHECKPOINT_DIR));
    // The int4 request is ignored: Code2Wav is fp32 in every variant.
    built = await buildGraphSession('code2wav', weights, { kind: 'int4', blockSize: 32, expertBlockSize: 128, accuracyLevel: 4 }, (ctx) => makeCode2Wav(ctx, config));
  });
  afterAll(async () => {
    await built.release();
    console.info(`code2wav waveform per case (frames: max |diff|, 1 − correlation):\n${figures.join('\n')}`);
  });

  const decode = async (codes: BigInt64Array) => {
    const frames = codes.length / config.numQuantizers;
    const { waveform } = await built.session.run({ codes: new ort.Tensor('int64', codes, [1, config.numQuantizers, frames]) });
    expect(waveform.dims).toEqual([1, 1, code2wavSamples(config, frames)]);
    return waveform.data as Float32Array;
  };

  for (const name of goldenCaseNames()) {
    for (const [codesName, waveName] of [['code2wav_codes', 'code2wav_waveform'], ['codes', 'waveform']] as const) {
      it(`${name}: ${waveName} from ${codesName}${name === 'long_audio' && codesName === 'code2wav_codes' ? ' (80 frames: past the 72-frame sliding window)' : ''}`, async () => {
        const golden = loadGoldenCase(name);
        const codes = golden.array(codesName, 'int64');
        const stats = assertClose(waveName, golden.array(waveName, 'float32').data, await decode(codes.data), { atol: 1e-4, minCorrelation: 0.999 });
        figures.push(`  ${name} ${waveName} (${codes.shape[1]}): ${stats.maxAbs.toExponential(2)}, ${(1 - stats.correlation).toExponential(1)}`);
      });
    }
  }
});
