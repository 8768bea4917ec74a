/**
 * Which frames of a video the model sees (qwen3-omni.md §4.4): qwen_omni_utils samples at 2 fps, with the count
 * clamped to [4, 768] and to the frames there are, floored to a multiple of the temporal patch size (2), and picks
 * `torch.linspace(0, total − 1, n).round()` — float32 arithmetic and ties to even, reproduced here.
 */

export interface SamplingOptions {
  /** Frames per second to sample (qwen_omni_utils FPS). */
  fps?: number;
  minFrames?: number;
  maxFrames?: number;
  /** The temporal patch size: frame counts are multiples of it. */
  frameFactor?: number;
}

export interface FrameSample {
  indices: number[];
  /** Rate the sampled frames represent: `indices.length / totalFrames · videoFps`. */
  sampleFps: number;
}

/** Throws RangeError when the video has too few frames for one temporal group. */
export function sampleFrames(totalFrames: number, videoFps: number, options: SamplingOptions = {}): FrameSample {
  const { fps = 2, minFrames = 4, maxFrames = 768, frameFactor = 2 } = options;
  const lower = Math.ceil(minFrames / frameFactor) * frameFactor;
  const upper = Math.floor(Math.min(maxFrames, totalFrames) / frameFactor) * frameFactor;
  const wanted = (totalFrames / videoFps) * fps;
  const count = Math.floor(Math.min(Math.max(wanted, lower), upper, totalFrames) / frameFactor) * frameFactor;
  if (!(count >= frameFactor && count <= totalFrames)) {
    throw new RangeError(`only ${totalFrames} frame${totalFrames === 1 ? '' : 's'}, at least ${frameFactor} are needed`);
  }
  return { indices: linspaceRounded(totalFrames - 1, count), sampleFps: (count / totalFrames) * videoFps };
}

/** torch.linspace(0, end, steps) in float32 (first half counted up from 0, second half down from `end`), rounded. */
function linspaceRounded(end: number, steps: number): number[] {
  const f = Math.fround;
  const step = f(f(end) / (steps - 1));
  const halfway = Math.floor(steps / 2);
  return Array.from({ length: steps }, (_, i) => roundHalfEven32(i < halfway ? f(step * i) : f(f(end) - f(step * (steps - i - 1)))));
}

function roundHalfEven32(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  return diff > 0.5 || (diff === 0.5 && floor % 2 !== 0) ? floor + 1 : floor;
}
