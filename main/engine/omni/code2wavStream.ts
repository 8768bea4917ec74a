/**
 * Incremental Code2Wav (qwen3-omni.md §10) whose streamed samples equal the one-pass decode of all frames.
 *
 * A chunk covers frames [s, e) and yields their samples [s·F, e·F) (F = samples per frame, 1920). It decodes the
 * window [s − c, e + 1) and keeps window samples [c·F, (c + e − s)·F):
 * - one frame held back (e + 1): a sample reads up to 555 samples ahead, i.e. into the next frame, so a chunk waits
 *   for the frame after it. The last chunk decodes to the end and yields everything (the final 555 samples of the
 *   one pass do not exist either): all chunks together are exactly the one pass's F·T − 555 samples, none dropped
 *   or repeated at a boundary (transformers' `chunked_decode` loses 555 at each).
 * - left context c = min(s, leftContext) frames, exact by default, so every kept sample sees the same frames as in
 *   the one pass and the samples are equal up to float rounding (code2wavStream.test.ts proves ≤ 1e-4 over many
 *   schedules and > 72 frames). With the split graphs the transformer has seen every earlier frame through its
 *   cache, so a window re-runs only the convolutions' 10 frames (`decoderLeftContext`); with a one-pass graph it
 *   re-decodes `exactLeftContext` frames (578 for the checkpoint, 152 for the tiny test model) — code2wavWindows.ts.
 *   A smaller context trades exactness for less recomputation.
 *
 * Chunk sizes follow a schedule: the first chunk is 1 frame, so the first PCM leaves after 2 codec frames (the
 * frame and its look-ahead); then sizes grow ×2 up to 25 frames (2 s), amortising the context each window repeats.
 */
import type { Code2Wav, CodecFrame } from './code2wav';
import type { WindowDecoder } from './code2wavWindows';

export interface ChunkSchedule {
  /** Frames in the first chunk. */
  first: number;
  /** Each later chunk is this many times the previous one … */
  growth: number;
  /** … up to this many frames. */
  max: number;
}

export const DEFAULT_CHUNK_SCHEDULE: ChunkSchedule = { first: 1, growth: 2, max: 25 };

/** The decoder the stream drives: Code2Wav, or a stand-in with the same framing. */
export type FrameDecoder = Pick<Code2Wav, 'windows' | 'settings'>;

export interface PcmChunk {
  /** 24 kHz mono samples, equal to the one-pass decode's samples from `offset` on. */
  samples: Float32Array;
  /** Index of the first sample in the whole utterance. */
  offset: number;
  /** The frames [start, end) whose samples these are (the last chunk: to the end). */
  frames: [number, number];
}

export interface StreamOptions {
  /** Frames of left context per window (default: exact for the decoder's graphs). */
  leftContext?: number;
  schedule?: ChunkSchedule;
}

export class Code2WavStream {
  private readonly frames: CodecFrame[] = [];
  /** Frames whose samples were yielded: [0, emitted). */
  private emitted = 0;
  private chunkSize: number;
  private readonly windows: WindowDecoder;
  private readonly schedule: ChunkSchedule;
  /** Frames decoded over all windows (context and look-ahead included): the cost of streaming. */
  decodedFrames = 0;
  chunks = 0;

  constructor(
    private readonly decoder: FrameDecoder,
    options: StreamOptions = {},
  ) {
    this.schedule = options.schedule ?? DEFAULT_CHUNK_SCHEDULE;
    const { first, growth, max } = this.schedule;
    if (!(Number.isInteger(first) && first >= 1 && growth >= 1 && max >= first)) throw new Error(`Code2WavStream: bad schedule ${JSON.stringify(this.schedule)}`);
    const { leftContext } = options;
    if (leftContext !== undefined && !(Number.isInteger(leftContext) && leftContext >= 0)) throw new Error(`Code2WavStream: bad left context ${leftContext}`);
    this.windows = decoder.windows(leftContext);
    this.chunkSize = first;
  }

  /** Adds the next frame; decodes and returns the chunk it completes, if any. */
  async push(frame: CodecFrame, signal?: AbortSignal): Promise<PcmChunk | undefined> {
    this.frames.push(frame);
    const start = this.emitted;
    const end = start + this.chunkSize;
    // The chunk's frames and the one after them (the look-ahead of its last samples).
    if (this.frames.length < end + 1) return undefined;
    const chunk = await this.window(start, end + 1, end - start, signal);
    this.emitted = end;
    this.chunkSize = Math.min(this.schedule.max, Math.ceil(this.chunkSize * this.schedule.growth));
    return chunk;
  }

  /** After the last frame: the remaining samples, up to the end of the one-pass decode. */
  async finish(signal?: AbortSignal): Promise<PcmChunk | undefined> {
    const start = this.emitted;
    const total = this.frames.length;
    if (total === start) return undefined;
    const chunk = await this.window(start, total, undefined, signal);
    this.emitted = total;
    return chunk;
  }

  /** Decodes [start − c, end) and keeps `frames` frames of samples from `start` (all the rest when undefined). */
  private async window(start: number, end: number, frames: number | undefined, signal?: AbortSignal): Promise<PcmChunk> {
    const F = this.decoder.settings.samplesPerFrame;
    const context = Math.min(start, this.windows.leftContext);
    const waveform = await this.windows.window(this.frames, start - context, end, signal);
    this.decodedFrames += end - start + context;
    this.chunks++;
    const from = context * F;
    const samples = waveform.slice(from, frames === undefined ? waveform.length : from + frames * F);
    return { samples, offset: start * F, frames: [start, frames === undefined ? end : start + frames] };
  }
}
