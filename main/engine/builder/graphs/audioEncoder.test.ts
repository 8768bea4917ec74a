import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as ort from '../../runtime/ort';
import { audioEncoderInputs } from '../../omni/audioEncoderInputs';
import { Qwen3OmniProcessor } from '../../processor/processor';
import type { AudioEncoderSettings } from '../../runtime/bundle';
import { loadGoldenCase, mediaPath, TINY_CHECKPOINT_DIR } from '../../testing/fixtures';
import { assertClose } from '../../testing/parity';
import { readEncoderConfigs } from '../encoderConfig';
import { openCheckpoint } from '../safetensors';
import { buildGraphSession, type BuiltSession } from '../testing/buildGraph';
import { WeightReader } from '../weights';
import { makeAudioEncoder } from './audioEncoder';

/** Every golden case with audio: one, two batched (images_audio), 32 s in five windows of up to 8 s (long_audio), a second turn, a video's track */
const CASES = ['audio', 'images_audio', 'long_audio', 'two_turn', 'video_audio'];

const maxAbs = (values: Float32Array) => values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);

describe('audio_encoder graph (fp32) vs transformers', () => {
  let built: BuiltSession;
  let settings: AudioEncoderSettings;
  const figures: string[] = [];

  beforeAll(async () => {
    const { audio } = await readEncoderConfigs(TINY_CHECKPOINT_DIR);
    settings = { melBins: audio.melBins, nWindow: audio.nWindow, nWindowInfer: audio.nWindowInfer };
    const weights = new WeightReader(await openCheckpoint(TINY_CHECKPOINT_DIR));
    built = await buildGraphSession('audio_encoder', weights, { kind: 'fp32' }, (ctx) => makeAudioEncoder(ctx, audio));
  });
  afterAll(async () => {
    await built.release();
    console.info(`audio_encoder max error relative to the largest golden magnitude: ${figures.join(', ')}`);
  });

  async function encode(features: { data: Float32Array; shape: readonly number[] }, mask: { data: ArrayLike<number>; shape: readonly number[] }) {
    const inputs = audioEncoderInputs(features, mask, settings);
    const out = await built.session.run({
      input_features: new ort.Tensor('float32', inputs.inputFeatures.data, inputs.inputFeatures.dims),
      window_index: new ort.Tensor('int64', inputs.windowIndex.data, inputs.windowIndex.dims),
    });
    return { inputs, features: out.audio_features };
  }

  for (const name of CASES) {
    it(`${name}: the golden processor features give audio_encoder_output within 1e-3`, async () => {
      const c = loadGoldenCase(name);
      const golden = c.array('audio_encoder_output', 'float32');
      const { inputs, features } = await encode(c.array('input_features', 'float32'), c.array('feature_attention_mask', 'int32'));
      expect(features.dims).toEqual(golden.shape);
      expect(inputs.tokenCounts.reduce((a, b) => a + b)).toBe(golden.shape[0]);
      const scale = maxAbs(golden.data);
      const stats = assertClose(`${name} audio_encoder_output`, golden, { data: features.data as Float32Array, shape: golden.shape }, { atol: 1e-3 * scale, maxRelL2: 1e-3 });
      figures.push(`${name} ${(stats.maxAbs / scale).toExponential(1)} (${inputs.windowIndex.dims[0]} windows)`);
    });
  }

  it('end to end from the TS processor: speech_16k_mono.wav → log-mel → encoder gives the audio golden', async () => {
    const c = loadGoldenCase('audio');
    const processor = Qwen3OmniProcessor.fromCheckpoint(TINY_CHECKPOINT_DIR);
    const output = await processor.process({ inputs: [{ kind: 'audio', file: mediaPath(c.info.audio[0].source) }] });
    const { features } = await encode(output.inputFeatures!, output.featureAttentionMask!);
    const golden = c.array('audio_encoder_output', 'float32');
    const scale = maxAbs(golden.data);
    const stats = assertClose('audio_encoder_output from the TS processor', golden, { data: features.data as Float32Array, shape: golden.shape }, {
      atol: 1e-3 * scale,
      maxRelL2: 1e-3,
    });
    figures.push(`audio from the TS processor ${(stats.maxAbs / scale).toExponential(1)}`);
  });
});
