/**
 * One video → the vision encoder's input and, for audio-in-video, the 16 kHz waveform of its sound track
 * (qwen3-omni.md §4): frames sampled at 2 fps, each resized with the video processor's per-frame pixel bounds,
 * normalised and grouped in pairs; `secondPerGrid` = temporal patch size / the rate the sampled frames represent.
 */
import { OmniError } from '../../errors';
import { loadAudio } from '../audio/loadAudio';
import type { ImageProcessorConfig } from '../config';
import { type FrameBounds, targetFrameSize } from './frameSize';
import { normalizationTable } from './normalize';
import { type Patches, patchify } from './patchify';
import { resizeBicubic } from './resizeBicubic';
import { countFrames, decodeFrames, probeVideo } from './videoDecode';
import { type FrameSample, sampleFrames, type SamplingOptions } from './videoSampling';
import { visionSettings } from './visionConfig';

/**
 * Per-frame size bounds of Qwen3OmniMoeProcessor's videos_kwargs (128 to 768 tokens per frame pair); they override
 * the min/max_pixels of preprocessor_config.json, which apply to images.
 */
export const QWEN3_OMNI_VIDEO_BOUNDS: FrameBounds = { minPixels: 128 * 32 * 32, maxPixels: 768 * 32 * 32 };

/** Full-size sampled frames beyond this many bytes are scaled by ffmpeg while decoding instead. */
export const DEFAULT_MAX_DECODED_BYTES = 1 << 30;

export interface VideoOptions {
  /** Frames sampled per second (qwen_omni_utils: 2). */
  fps?: number;
  bounds?: FrameBounds;
  /** Also return the sound track (use_audio_in_video). */
  audio?: boolean;
  /** Rate of the returned waveform: the feature extractor's sampling_rate. */
  audioRate?: number;
  /** Longest sound track accepted, in seconds (what the model's context allows). */
  maxAudioSeconds?: number;
  /** Name used in error messages; defaults to the path. */
  name?: string;
  /** Limit for each ffmpeg run; defaults to a minute plus the video's duration. */
  timeoutMs?: number;
  /**
   * Memory bound for the sampled frames at full size. Above it ffmpeg's bicubic resizes them while decoding, so
   * pixels differ slightly from the Pillow resize used otherwise.
   */
  maxDecodedBytes?: number;
}

export interface ProcessedVideo extends Patches {
  secondPerGrid: number;
  /** The sampled frame indices and the rate they represent, for logs and dumps. */
  frameIndices: number[];
  sampleFps: number;
  audio?: Float32Array;
}

export async function processVideo(file: string, config: ImageProcessorConfig, options: VideoOptions = {}): Promise<ProcessedVideo> {
  const settings = visionSettings(config);
  const name = options.name ?? file;
  const probe = await probeVideo(file, { name, timeoutMs: options.timeoutMs ?? 30_000 });
  if (options.audio && !probe.hasAudio) {
    throw new OmniError('VIDEO_DECODE_FAILED', `${name}: the video has no sound track, so its audio cannot be used`);
  }
  const target = { name, timeoutMs: options.timeoutMs ?? 60_000 + (probe.info.durationSeconds ?? 600) * 1000 };
  const audio = options.audio
    ? loadAudio(file, { targetRate: options.audioRate, maxSeconds: options.maxAudioSeconds, name: `${name} (sound track)`, timeoutMs: target.timeoutMs })
    : undefined;
  // It runs alongside the frames; should those fail first, its own failure must not go unhandled.
  audio?.catch(() => undefined);

  const { width, height } = probe.stream;
  const [outHeight, outWidth] = targetFrameSize(name, 'VIDEO_DECODE_FAILED', width, height, settings, options.bounds ?? QWEN3_OMNI_VIDEO_BOUNDS);
  const totalFrames = await countFrames(file, probe, target);
  const sample = sampleOrFail(name, totalFrames, probe.fps, { fps: options.fps, frameFactor: settings.geometry.temporalPatchSize });
  const fullSize = sample.indices.length * width * height * 3 <= (options.maxDecodedBytes ?? DEFAULT_MAX_DECODED_BYTES);
  const decoded = await decodeFrames(file, probe, sample.indices, fullSize ? undefined : { width: outWidth, height: outHeight }, target);
  const frames = fullSize ? decoded.map((frame) => resizeBicubic(frame, width, height, outWidth, outHeight)) : decoded;
  const patches = patchify(frames, outWidth, outHeight, normalizationTable(settings.normalization, true), settings.geometry);
  return {
    ...patches,
    secondPerGrid: settings.geometry.temporalPatchSize / sample.sampleFps,
    frameIndices: sample.indices,
    sampleFps: sample.sampleFps,
    ...(audio && { audio: await audio }),
  };
}

function sampleOrFail(name: string, totalFrames: number, fps: number, options: SamplingOptions): FrameSample {
  try {
    return sampleFrames(totalFrames, fps, options);
  } catch (error) {
    throw new OmniError('VIDEO_DECODE_FAILED', `${name}: ${(error as Error).message}`);
  }
}
