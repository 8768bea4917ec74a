/**
 * `omnidesk preprocess <checkpoint-or-bundle-dir> [inputs] --dump DIR`: the processor alone, its outputs written as
 * the .npy dump files of cli-contract.md (names and dtypes as transformers produces them).
 */
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { npyArray, writeNpy, type NpyArray } from '../../engine/runtime/npy';
import { Qwen3OmniProcessor, type ProcessorOutput, type TurnInput } from '../../engine/processor/processor';
import type { FrameBounds } from '../../engine/processor/vision/frameSize';
import { QWEN3_OMNI_VIDEO_BOUNDS } from '../../engine/processor/vision/videoProcessor';
import type { Command } from '../command';
import { UsageError, type Io } from '../output';

export interface PreprocessOptions {
  dir: string;
  inputs: TurnInput[];
  useAudioInVideo: boolean;
  dump: string;
  /** Per-frame pixel bounds of videos, from --video-min-pixels / --video-max-pixels (an extension of the contract). */
  videoBounds?: FrameBounds;
}

/** The video bounds the options ask for; each one left out keeps the processor's default. */
export function videoBounds(min: unknown, max: unknown, command = 'preprocess'): FrameBounds | undefined {
  if (min === undefined && max === undefined) return undefined;
  const pixels = (value: unknown, option: string, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${command}: ${option} takes a positive whole number of pixels`);
    return n;
  };
  return {
    minPixels: pixels(min, '--video-min-pixels', QWEN3_OMNI_VIDEO_BOUNDS.minPixels),
    maxPixels: pixels(max, '--video-max-pixels', QWEN3_OMNI_VIDEO_BOUNDS.maxPixels),
  };
}

const INPUT_KINDS = ['audio', 'image', 'video', 'text', 'system'] as const;

/** The options of one headless user turn (cli-contract.md), shared by the commands that take one. */
export const turnInputOptions = {
  audio: { type: 'string', multiple: true },
  image: { type: 'string', multiple: true },
  video: { type: 'string', multiple: true },
  text: { type: 'string', multiple: true },
  system: { type: 'string', multiple: true },
  'use-audio-in-video': { type: 'boolean', default: false },
  'video-min-pixels': { type: 'string' },
  'video-max-pixels': { type: 'string' },
} as const;

/**
 * The turn inputs in the order given on the command line. `parseArgs` groups repeated options by name, which loses
 * how different options interleave, so they are read from its tokens.
 */
export function turnInputs(tokens: readonly { kind: string; name?: string; value?: string }[]): TurnInput[] {
  return tokens.flatMap((token): TurnInput[] => {
    const kind = INPUT_KINDS.find((k) => k === token.name);
    if (token.kind !== 'option' || kind === undefined || token.value === undefined) return [];
    return [kind === 'text' || kind === 'system' ? { kind, text: token.value } : { kind, file: token.value }];
  });
}

export const DUMP_NAMES = [
  'input_ids',
  'position_ids',
  'rope_delta',
  'input_features',
  'feature_attention_mask',
  'pixel_values',
  'image_grid_thw',
  'pixel_values_videos',
  'video_grid_thw',
  'video_second_per_grid',
] as const;
type DumpName = (typeof DUMP_NAMES)[number];

/** The dump files of one output; float positions are float32 as transformers holds them (the values are exact). */
export function dumpArrays(output: ProcessorOutput): Partial<Record<DumpName, NpyArray>> {
  const s = output.inputIds.length;
  const grids = (g: readonly (readonly number[])[]) => npyArray('int64', [g.length, 3], BigInt64Array.from(g.flat(), BigInt));
  return {
    input_ids: npyArray('int64', [s], output.inputIds),
    position_ids: npyArray('float32', [3, s], Float32Array.from(output.positionIds)),
    rope_delta: npyArray('float32', [1], Float32Array.of(output.ropeDelta)),
    ...(output.inputFeatures && { input_features: npyArray('float32', output.inputFeatures.shape, output.inputFeatures.data) }),
    ...(output.featureAttentionMask && {
      feature_attention_mask: npyArray('int32', output.featureAttentionMask.shape, output.featureAttentionMask.data),
    }),
    ...(output.pixelValues && { pixel_values: npyArray('float32', output.pixelValues.shape, output.pixelValues.data) }),
    ...(output.imageGridThw && { image_grid_thw: grids(output.imageGridThw) }),
    ...(output.pixelValuesVideos && {
      pixel_values_videos: npyArray('float32', output.pixelValuesVideos.shape, output.pixelValuesVideos.data),
    }),
    ...(output.videoGridThw && { video_grid_thw: grids(output.videoGridThw) }),
    ...(output.videoSecondPerGrid && {
      video_second_per_grid: npyArray('float32', [output.videoSecondPerGrid.length], Float32Array.from(output.videoSecondPerGrid)),
    }),
  };
}

async function runPreprocess(io: Io, options: PreprocessOptions): Promise<void> {
  if (!options.inputs.some((input) => input.kind !== 'system')) {
    throw new UsageError('preprocess: give at least one of --text, --audio, --image or --video');
  }
  const started = performance.now();
  io.err(`Loading ${options.dir}\n`);
  const processor = Qwen3OmniProcessor.fromCheckpoint(options.dir);
  const media = options.inputs.filter((input) => 'file' in input).length;
  io.err(`Processing ${media} media file${media === 1 ? '' : 's'}${options.useAudioInVideo ? ' (audio in video)' : ''}\n`);
  const output = await processor.process({
    inputs: options.inputs,
    useAudioInVideo: options.useAudioInVideo,
    videoBounds: options.videoBounds,
  });

  const files = await writeProcessorDumps(options.dump, output);
  io.err(`Done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
  io.out(summary(processor, output, files, options.dump));
}

/** Writes the processor's dump files into `dir` (created if needed) and returns how many it wrote. */
export async function writeProcessorDumps(dir: string, output: ProcessorOutput): Promise<number> {
  await mkdir(dir, { recursive: true });
  const arrays = dumpArrays(output);
  for (const name of DUMP_NAMES) {
    const file = path.join(dir, `${name}.npy`);
    const array = arrays[name];
    // A file left by an earlier run with other media would otherwise pass for part of this one.
    await (array ? writeNpy(file, array) : rm(file, { force: true }));
  }
  return Object.keys(arrays).length;
}

function summary(processor: Qwen3OmniProcessor, output: ProcessorOutput, files: number, dump: string): string {
  const { audioTokenId, imageTokenId, videoTokenId } = processor.modelConfig.thinker;
  const merge = processor.preprocessorConfig.imageProcessor.mergeSize;
  const count = (id: number) => output.inputIds.reduce((n, x) => (x === BigInt(id) ? n + 1 : n), 0);
  const [audio, image, video] = [count(audioTokenId), count(imageTokenId), count(videoTokenId)];
  const total = output.inputIds.length;
  const tokens = ([t, h, w]: readonly number[]) => (t * h * w) / merge ** 2;
  // Seconds per grid and fractional deltas are float32-rounded values: six digits say all there is to say.
  const short = (n: number) => Number(n.toPrecision(6));
  return [
    `${total} tokens: ${total - audio - image - video} text, ${audio} audio, ${image} image, ${video} video`,
    ...(output.audioTokenCounts ?? []).map((n, i) => `  audio ${i + 1}: ${n} tokens`),
    ...(output.imageGridThw ?? []).map((g, i) => `  image ${i + 1}: grid ${g.join('×')}, ${tokens(g)} tokens`),
    ...(output.videoGridThw ?? []).map(
      (g, i) => `  video ${i + 1}: grid ${g.join('×')}, ${short(output.videoSecondPerGrid?.[i] ?? NaN)} s per grid, ${tokens(g)} tokens`,
    ),
    `rope delta ${short(output.ropeDelta)}`,
    `wrote ${files} files to ${dump}`,
    '',
  ].join('\n');
}

export const preprocessCommand: Command = {
  usage: 'omnidesk preprocess <checkpoint-or-bundle-dir> [inputs] --dump DIR',
  summary:
    'Run only the processor on one user turn and write its tensors as .npy files; inputs, repeatable and kept in order: ' +
    '--audio/--image/--video FILE, --text/--system TEXT, --use-audio-in-video; video frame bounds: --video-min/max-pixels N',
  options: { ...turnInputOptions, dump: { type: 'string' } },
  positionals: 1,
  run: (io, values, [dir], tokens) => {
    if (dir === undefined) throw new UsageError('preprocess: give the checkpoint or bundle directory');
    if (typeof values.dump !== 'string') throw new UsageError('preprocess: --dump DIR is required');
    return runPreprocess(io, {
      dir,
      dump: values.dump,
      inputs: turnInputs(tokens),
      useAudioInVideo: values['use-audio-in-video'] === true,
      videoBounds: videoBounds(values['video-min-pixels'], values['video-max-pixels']),
    });
  },
};
