/**
 * How a Code2Wav stream (code2wavStream.ts) decodes one window of frames [from, end): the samples a one-pass decode
 * of exactly those frames would give. The stream keeps the samples its left context makes exact.
 * - `IncrementalWindows` (bundles with the split pair): every frame goes through the sliding-window transformer once,
 *   its cache bounded to the window (graphs/code2wavTransformer.ts), and the window runs only the convolutional
 *   decoder over the kept transformer rows: 10 frames of context instead of 578 for the checkpoint.
 * - `RedecodedWindows` (older bundles): the one-pass graph over the whole window, context and all.
 */
import type * as ort from '../runtime/ort';
import { Tensor } from '../runtime/ort';
import type { KvCache, KvSpec } from '../runtime/kvCache';
import type { CodecFrame, Code2WavSettings } from './code2wav';
import { guardedRun, type RunClock } from './guardedRun';

export interface WindowDecoder {
  /** Frames of left context a window gets. */
  readonly leftContext: number;
  /** The one-pass samples of frames [from, end) of `frames` (every frame so far). `from` never decreases. */
  window(frames: readonly CodecFrame[], from: number, end: number, signal?: AbortSignal): Promise<Float32Array>;
}

/** The bundle's `code2wav_transformer` and `code2wav_decoder` sessions and the transformer's cache layout. */
export interface SplitGraphs {
  transformer: ort.InferenceSession;
  decoder: ort.InferenceSession;
  kv: KvSpec;
  /** Positions the transformer's presents keep: slidingWindow − 1. */
  cachedFrames: number;
}

export class RedecodedWindows implements WindowDecoder {
  constructor(
    private readonly decode: (frames: readonly CodecFrame[], signal?: AbortSignal) => Promise<Float32Array>,
    readonly leftContext: number,
  ) {}

  window(frames: readonly CodecFrame[], from: number, end: number, signal?: AbortSignal): Promise<Float32Array> {
    return this.decode(frames.slice(from, end), signal);
  }
}

export class IncrementalWindows implements WindowDecoder {
  /** Transformer output `[rows, H]` of the frames from `first` on; earlier rows no window reads again are dropped. */
  private hidden = new Float32Array(0);
  private first = 0;
  /** Frames through the transformer. */
  private fed = 0;

  constructor(
    private readonly settings: Code2WavSettings,
    private readonly graphs: SplitGraphs,
    private readonly cache: KvCache,
    private readonly clock: RunClock,
    readonly leftContext: number,
  ) {}

  /** Positions in the transformer's cache (at most `cachedFrames`, however many frames went through). */
  get cachedPositions(): number {
    return this.cache.length;
  }

  async window(frames: readonly CodecFrame[], from: number, end: number, signal?: AbortSignal): Promise<Float32Array> {
    if (from < this.first || end <= from) throw new Error(`Code2Wav window [${from}, ${end}): frames before ${this.first} are no longer kept`);
    if (end > this.fed) await this.transform(frames.slice(this.fed, end), signal);
    const width = this.hidden.length / (this.fed - this.first);
    const rows = this.hidden.slice((from - this.first) * width, (end - this.first) * width);
    const out = await guardedRun(this.graphs.decoder, { hidden: new Tensor('float32', rows, [1, end - from, width]) }, this.clock, signal);
    this.hidden = this.hidden.subarray((from - this.first) * width);
    this.first = from;
    return out.waveform.data as Float32Array;
  }

  private async transform(frames: readonly CodecFrame[], signal?: AbortSignal): Promise<void> {
    const added = frames.length;
    const out = await guardedRun(
      this.graphs.transformer,
      {
        codes: codesTensor(frames, this.settings.numQuantizers),
        attention_mask: this.cache.attentionMask(added),
        first_position: new Tensor('int64', BigInt64Array.of(BigInt(this.fed)), []),
        ...this.cache.feeds(),
      },
      this.clock,
      signal,
    );
    this.cache.update(out, added);
    const rows = out.hidden.data as Float32Array;
    const hidden = new Float32Array(this.hidden.length + rows.length);
    hidden.set(this.hidden);
    hidden.set(rows, this.hidden.length);
    this.hidden = hidden;
    this.fed += added;
  }
}

/** `frames` as the graphs' `codes [1, Q, T]` int64 (group-major). */
export function codesTensor(frames: readonly CodecFrame[], numQuantizers: number): Tensor {
  const T = frames.length;
  const codes = new BigInt64Array(numQuantizers * T);
  frames.forEach((frame, t) => {
    if (frame.length !== numQuantizers) throw new Error(`Code2Wav: frame ${t} has ${frame.length} codes, expected ${numQuantizers}`);
    for (let q = 0; q < numQuantizers; q++) codes[q * T + t] = BigInt(frame[q]);
  });
  return new Tensor('int64', codes, [1, numQuantizers, T]);
}
