/**
 * Log-mel features of 30 s of speech: ours (extractAudioFeatures) vs @huggingface/transformers'
 * WhisperFeatureExtractor with the checkpoint's settings, on the same waveform. Exactly 30 s because the peer always
 * pads or truncates to 30 s: at that length both compute the same [128 × 3000] features.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { WhisperFeatureExtractor } from '@huggingface/transformers';
import { extractAudioFeatures } from '../engine/processor/audio/audioFeatures';
import { audioFeatureConfig } from '../engine/processor/audio/featureConfig';
import { loadAudio } from '../engine/processor/audio/loadAudio';
import { MEDIA_DIR, TINY_CHECKPOINT_DIR } from '../engine/testing/fixtures';
import { type Bench, medianMs } from './harness';

const SECONDS = 30;
const ROUNDS = 7;
const RUNS = 3;

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
}

const bench: Bench = {
  name: 'melSpectrogram',
  async run() {
    const json = JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'preprocessor_config.json'), 'utf8')) as Record<string, unknown>;
    const config = audioFeatureConfig(json);
    const samples = SECONDS * config.samplingRate;
    const speech = await loadAudio(path.join(MEDIA_DIR, 'speech_long_16k_mono.wav'));
    const waveform = speech.slice(0, samples);

    // A fresh object per extractor: its constructor stores the mel filters into the config it is given.
    const peer = new WhisperFeatureExtractor({
      feature_size: config.featureSize,
      sampling_rate: config.samplingRate,
      hop_length: config.hopLength,
      n_fft: config.nFft,
      chunk_length: SECONDS,
      n_samples: samples,
      nb_max_frames: samples / config.hopLength,
      padding_value: config.paddingValue,
      return_attention_mask: false,
    });
    const ours = () => extractAudioFeatures([waveform], config);
    const theirs = () => peer(waveform);

    const a = ours().inputFeatures;
    const b = (await theirs()).input_features.data as Float32Array;
    let maxAbs = 0;
    for (let i = 0; i < b.length; i++) maxAbs = Math.max(maxAbs, Math.abs(a[i] - b[i]));
    if (a.length !== b.length) throw new Error(`feature sizes differ: ours ${a.length}, transformers.js ${b.length}`);

    // Alternating rounds: on a shared machine, load that comes and goes then weighs on both sides alike. CPU time is
    // reported too: unlike wall time it does not grow when other processes take the cores.
    const wall: [number[], number[]] = [[], []];
    const cpu: [number[], number[]] = [[], []];
    for (let round = 0; round < ROUNDS; round++) {
      for (const [side, fn] of [ours, theirs].entries()) {
        const start = process.cpuUsage();
        wall[side].push(await medianMs(fn, { runs: RUNS, warmup: round === 0 ? 3 : 0 }));
        const used = process.cpuUsage(start);
        cpu[side].push((used.user + used.system) / 1000 / (RUNS + (round === 0 ? 3 : 0)));
      }
    }
    const [oursMs, theirsMs] = wall.map(median);
    const cpuRatio = median(cpu[1]) / median(cpu[0]);
    return [
      {
        name: `log-mel ${SECONDS} s audio [128×${samples / config.hopLength}]`,
        value: oursMs,
        unit: 'ms',
        peer: { name: 'transformers.js WhisperFeatureExtractor', value: theirsMs },
        target: 5,
        note: `CPU-time ratio ${cpuRatio.toFixed(2)}×, max |Δ| vs peer ${maxAbs.toExponential(1)}`,
      },
    ];
  },
};

export default bench;
