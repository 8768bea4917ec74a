/**
 * Code2Wav (qwen3-omni.md §10): codes `[1, Q, T]` → waveform `[1, 1, N]` with N = samplesPerFrame·T − lookaheadSamples
 * (1920·T − 555 for the checkpoint), 24 kHz. A bundle carries it split for streaming (`code2wav_transformer` with
 * its window-bounded cache, then `code2wav_decoder`): the stream feeds each frame through the transformer once and
 * re-runs only the convolutions' 10 frames of context (code2wavWindows.ts). Bundles built before the split pair
 * have only the one-pass `code2wav` graph; their stream re-decodes every window's whole receptive field. How much
 * left context a window needs to reproduce the one-pass samples exactly follows from the architecture and is
 * computed here (`exactLeftContext`).
 */
import path from 'node:path';
import type * as ort from '../runtime/ort';
import { z } from 'zod';
import { OmniError } from '../errors';
import { readJsonFile, validate } from '../processor/config';
import type { LoadedBundle } from '../runtime/bundle';
import type { SessionManager } from '../runtime/sessions';
import { KvCache } from '../runtime/kvCache';
import { guardedRun, type RunClock } from './guardedRun';
import { codesTensor, IncrementalWindows, RedecodedWindows, type SplitGraphs, type WindowDecoder } from './code2wavWindows';

/** The vocoder's output rate (cli-contract.md: 24 kHz speech). */
export const SPEECH_SAMPLE_RATE = 24000;

/** What decides Code2Wav's receptive field (config.json `code2wav_config`). */
export interface Code2WavArchitecture {
  /** Keys a frame attends to: itself and `slidingWindow − 1` before it, in each of `transformerLayers` layers. */
  slidingWindow: number;
  transformerLayers: number;
  /** ConvTranspose(k = s = ratio) + ConvNeXt stages after the transformer. */
  upsamplingRatios: readonly number[];
  /** Decoder blocks: trimmed ConvTranspose(k = 2r, s = r) + residual units. */
  upsampleRates: readonly number[];
}

/**
 * Kernels transformers hard-codes in Qwen3OmniMoeCode2Wav (builder/graphs/code2wav.ts builds the same): every
 * convolution is causal, i.e. left-padded by (k − 1)·dilation.
 */
const CONV_NEXT_KERNEL = 7;
const DECODER_IN_KERNEL = 7;
const RESIDUAL_KERNEL = 7;
const RESIDUAL_DILATIONS = [1, 3, 9];
const DECODER_OUT_KERNEL = 7;

/**
 * Frames of left context a decode window needs so that its samples from frame s on equal the one-pass decode's:
 * the earliest frame the first sample of frame s depends on, walked back through the network —
 *   final causal conv (6 samples) → per decoder block r, from the last: residual units (6·(1+3+9) = 78 samples) and
 *   the trimmed ConvTranspose (output j reads inputs ⌊j/r⌋ and ⌊j/r⌋ + 1) → the decoder's input conv (6) → per
 *   upsampling stage: ConvNeXt's depthwise conv (6) and the ConvTranspose (⌊j/ratio⌋) → the sliding-window
 *   transformer, (slidingWindow − 1) frames per layer.
 * For the checkpoint (window 72, 8 layers, ratios [2, 2], rates [8, 5, 4, 3]): 10 frames for the convolutions plus
 * 71·8 = 568 for the transformer = 578 frames (46 s). Less context gives other samples wherever the missing frames
 * would have been attended to; positions restart at 0 per call, which RoPE's relative form makes harmless (up to
 * float32 rounding of the rotary angles). Every sample also reads up to 555 samples ahead, inside the next frame:
 * hence the one-frame hold-back of the stream.
 */
export function exactLeftContext(arch: Code2WavArchitecture): number {
  // Any frame far enough from the start not to clamp at 0; the distance walked back does not depend on it.
  const frame = 1e6;
  const samplesPerFrame = [...arch.upsamplingRatios, ...arch.upsampleRates].reduce((a, b) => a * b, 1);
  let index = frame * samplesPerFrame - (DECODER_OUT_KERNEL - 1);
  const residualReach = RESIDUAL_DILATIONS.reduce((n, d) => n + (RESIDUAL_KERNEL - 1) * d, 0);
  for (const rate of [...arch.upsampleRates].reverse()) index = Math.floor((index - residualReach) / rate);
  index -= DECODER_IN_KERNEL - 1;
  for (const ratio of [...arch.upsamplingRatios].reverse()) index = Math.floor((index - (CONV_NEXT_KERNEL - 1)) / ratio);
  index -= (arch.slidingWindow - 1) * arch.transformerLayers;
  return frame - index;
}

export interface Code2WavSettings {
  numQuantizers: number;
  samplesPerFrame: number;
  lookaheadSamples: number;
  /** `exactLeftContext` of the bundle's architecture: what a one-pass window needs. */
  exactLeftContext: number;
  /** The same without the transformer (10 frames): what a window of the split decoder needs. */
  decoderLeftContext: number;
}

const architectureSchema = z
  .object({
    code2wav_config: z
      .object({
        sliding_window: z.int().positive(),
        num_hidden_layers: z.int().nonnegative(),
        upsampling_ratios: z.array(z.int().positive()),
        upsample_rates: z.array(z.int().positive()),
      })
      .loose(),
  })
  .loose();

/** The graphs a bundle decodes with: the split pair when it has them (every bundle from builder 2), else builder 1's one-pass graph. */
type Code2WavGraphs = { kind: 'split'; split: SplitGraphs } | { kind: 'one-pass'; session: ort.InferenceSession };

/** The split pair's transformer entry (none for the one-pass graph), and the codes' shape and framing the entries carry. */
function vocoderEntries(bundle: LoadedBundle) {
  const { code2wav_transformer: transformer, code2wav_decoder: decoder, code2wav: onePass } = bundle.manifest.graphs;
  if (transformer && decoder) return { transformer, numQuantizers: transformer.extra.numQuantizers, framing: decoder.extra };
  if (onePass) return { transformer: undefined, numQuantizers: onePass.extra.numQuantizers, framing: onePass.extra };
  throw new OmniError('BUNDLE_CORRUPT', `${bundle.dir}: the bundle has no Code2Wav graphs (code2wav_transformer and code2wav_decoder)`, 'Rebuild the bundle with omnidesk build.');
}

/** The manifest's framing and the receptive field from the bundle's config.json. */
function code2wavSettings(bundle: LoadedBundle, entries: ReturnType<typeof vocoderEntries>): Code2WavSettings {
  const file = path.join(bundle.dir, 'config.json');
  const c = validate(architectureSchema, readJsonFile(file), file).code2wav_config;
  const architecture = { slidingWindow: c.sliding_window, transformerLayers: c.num_hidden_layers, upsamplingRatios: c.upsampling_ratios, upsampleRates: c.upsample_rates };
  return {
    numQuantizers: entries.numQuantizers,
    samplesPerFrame: entries.framing.samplesPerFrame,
    lookaheadSamples: entries.framing.lookaheadSamples,
    exactLeftContext: exactLeftContext(architecture),
    decoderLeftContext: exactLeftContext({ ...architecture, transformerLayers: 0 }),
  };
}

/** A frame: its Q codes, group 0 first. */
export type CodecFrame = readonly number[];

export class Code2Wav {
  readonly clock: RunClock = { runMs: 0 };

  private constructor(
    readonly settings: Code2WavSettings,
    private readonly graphs: Code2WavGraphs,
  ) {}

  /** Opens the split pair, or the one-pass graph of a bundle built before it. */
  static async open(bundle: LoadedBundle, sessions: SessionManager): Promise<Code2Wav> {
    const entries = vocoderEntries(bundle);
    const settings = code2wavSettings(bundle, entries);
    const { transformer } = entries;
    if (transformer) {
      const split: SplitGraphs = {
        transformer: await sessions.open('code2wav_transformer', bundle.graphPath('code2wav_transformer')),
        decoder: await sessions.open('code2wav_decoder', bundle.graphPath('code2wav_decoder')),
        kv: transformer.kv,
        cachedFrames: transformer.extra.cachedFrames,
      };
      return new Code2Wav(settings, { kind: 'split', split });
    }
    return new Code2Wav(settings, { kind: 'one-pass', session: await sessions.open('code2wav', bundle.graphPath('code2wav')) });
  }

  /** Whether streaming feeds each frame through the transformer once (the split pair) or re-decodes windows. */
  get incremental(): boolean {
    return this.graphs.kind === 'split';
  }

  /**
   * A fresh decoder of one utterance's windows: left context `leftContext` frames (default: exact for the graphs,
   * `decoderLeftContext` for the split pair, `exactLeftContext` for the one-pass graph).
   */
  windows(leftContext?: number): WindowDecoder {
    if (this.graphs.kind === 'split') {
      const { split } = this.graphs;
      return new IncrementalWindows(this.settings, split, new KvCache(split.kv, 'float32', split.cachedFrames), this.clock, leftContext ?? this.settings.decoderLeftContext);
    }
    return new RedecodedWindows((frames, signal) => this.decode(frames, signal), leftContext ?? this.settings.exactLeftContext);
  }

  /** Samples of a decode of `frames` frames. */
  samples(frames: number): number {
    return Math.max(0, this.settings.samplesPerFrame * frames - this.settings.lookaheadSamples);
  }

  /** One pass over `frames` (at least one): `samplesPerFrame·T − lookaheadSamples` samples. */
  async decode(frames: readonly CodecFrame[], signal?: AbortSignal): Promise<Float32Array> {
    if (frames.length === 0) throw new Error('Code2Wav.decode: no frames');
    if (this.graphs.kind === 'split') return this.windows().window(frames, 0, frames.length, signal);
    const out = await guardedRun(this.graphs.session, { codes: codesTensor(frames, this.settings.numQuantizers) }, this.clock, signal);
    return out.waveform.data as Float32Array;
  }
}
