/**
 * Host-side inputs of the `audio_encoder` graph (builder/graphs/audioEncoder.ts) for the audios of one encoder
 * call, reproducing transformers' `chunk_and_pad_features`, `get_valid_indices` and `get_audio_cu_seqlens`
 * (qwen3-omni.md §3.2):
 *  - each audio's valid mel frames (feature mask ≠ 0) are cut into 2·n_window-frame chunks, the last one shorter,
 *    and every chunk is right-padded with 0 to the longest chunk **of the call** — padding reaches the last valid
 *    token through the stride-2 convs, so audios batched together must be batched the same way to match;
 *  - a chunk of n frames yields `audioTokenCount(n)` valid tokens out of the padded chunk's conv output;
 *  - attention windows hold `chunk_tokens · ⌊n_window_infer / (2·n_window)⌋` tokens of one audio (the longest
 *    chunk's token count, as transformers computes it), the last window of an audio the remainder.
 * Windows are listed audio after audio, so the graph's output rows are every audio's tokens in order.
 */
import type { AudioEncoderSettings } from '../runtime/bundle';
import { audioTokenCount, FRAMES_PER_CHUNK } from '../processor/audio/audioTokens';

export interface AudioEncoderInputs {
  /** `input_features` `[num_chunks, mel_bins, chunk_frames]`. */
  inputFeatures: { data: Float32Array; dims: [number, number, number] };
  /** `window_index` `[num_windows, window_tokens]`: rows of the conv output grid, −1 where a window is shorter. */
  windowIndex: { data: BigInt64Array; dims: [number, number] };
  /** Output rows of each audio, in order. */
  tokenCounts: number[];
}

interface ArrayArg {
  data: ArrayLike<number>;
  shape: readonly number[];
}

/**
 * `features` `[n_audio, mel_bins, F]` and `mask` `[n_audio, F]` are the processor's `input_features` and
 * `feature_attention_mask` (any audio of the batch may be right-padded).
 */
export function audioEncoderInputs(features: ArrayArg, mask: ArrayArg, settings: AudioEncoderSettings): AudioEncoderInputs {
  const chunkFrames = 2 * settings.nWindow;
  if (chunkFrames !== FRAMES_PER_CHUNK) {
    throw new Error(`audioEncoderInputs: n_window ${settings.nWindow} gives ${chunkFrames}-frame chunks; the token count assumes ${FRAMES_PER_CHUNK}`);
  }
  const [audios, melBins, frames] = features.shape;
  if (features.shape.length !== 3 || melBins !== settings.melBins) {
    throw new Error(`audioEncoderInputs: features are [${features.shape.join(', ')}], expected [n_audio, ${settings.melBins}, frames]`);
  }
  if (mask.shape.length !== 2 || mask.shape[0] !== audios || mask.shape[1] !== frames) {
    throw new Error(`audioEncoderInputs: mask is [${mask.shape.join(', ')}], expected [${audios}, ${frames}]`);
  }

  // Chunks of valid frames, audio by audio.
  const chunks: { audio: number; frames: number[] }[] = [];
  const chunksPerAudio: number[] = [];
  for (let audio = 0; audio < audios; audio++) {
    const valid: number[] = [];
    for (let f = 0; f < frames; f++) if (mask.data[audio * frames + f] !== 0) valid.push(f);
    if (valid.length === 0) throw new Error(`audioEncoderInputs: audio ${audio} has no valid frames`);
    for (let start = 0; start < valid.length; start += chunkFrames) chunks.push({ audio, frames: valid.slice(start, start + chunkFrames) });
    chunksPerAudio.push(Math.ceil(valid.length / chunkFrames));
  }
  const chunkLength = Math.max(...chunks.map((c) => c.frames.length));
  const data = new Float32Array(chunks.length * melBins * chunkLength);
  chunks.forEach((chunk, c) => {
    for (let m = 0; m < melBins; m++) {
      const from = (chunk.audio * melBins + m) * frames;
      const to = (c * melBins + m) * chunkLength;
      chunk.frames.forEach((f, t) => (data[to + t] = features.data[from + f]));
    }
  });

  // Grid rows of each audio's valid tokens, then its windows.
  const chunkTokens = audioTokenCount(chunkLength);
  const windowTokens = chunkTokens * Math.floor(settings.nWindowInfer / chunkFrames);
  const windows: number[][] = [];
  const tokenCounts: number[] = [];
  let c = 0;
  for (const count of chunksPerAudio) {
    const rows: number[] = [];
    for (const end = c + count; c < end; c++) {
      for (let j = 0; j < audioTokenCount(chunks[c].frames.length); j++) rows.push(c * chunkTokens + j);
    }
    tokenCounts.push(rows.length);
    for (let start = 0; start < rows.length; start += windowTokens) windows.push(rows.slice(start, start + windowTokens));
  }
  const width = Math.max(...windows.map((w) => w.length));
  const windowIndex = new BigInt64Array(windows.length * width).fill(-1n);
  windows.forEach((rows, w) => rows.forEach((row, j) => (windowIndex[w * width + j] = BigInt(row))));

  return {
    inputFeatures: { data, dims: [chunks.length, melBins, chunkLength] },
    windowIndex: { data: windowIndex, dims: [windows.length, width] },
    tokenCounts,
  };
}
