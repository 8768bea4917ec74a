/**
 * The audio and vision encoder graphs of a bundle, run on a processed prompt's media: their rows are what
 * mediaScatter.ts places into the thinker's input. Sessions open on first use, so text-only conversations never
 * load the encoders. The host-side inputs of each graph come from audioEncoderInputs.ts / visionEncoderInputs.ts.
 */
import type * as ort from '../runtime/ort';
import { Tensor } from '../runtime/ort';
import type { ProcessorOutput } from '../processor/processor';
import type { LoadedBundle } from '../runtime/bundle';
import type { SessionManager } from '../runtime/sessions';
import { audioEncoderInputs } from './audioEncoderInputs';
import type { MediaFeatures, VisualFeatures } from './mediaScatter';
import { visionEncoderInputs } from './visionEncoderInputs';

/** The first item of each kind to encode: earlier ones are already in a reused cache. */
export interface EncodeFrom {
  audio: number;
  image: number;
  video: number;
}

export const ENCODE_ALL: EncodeFrom = { audio: 0, image: 0, video: 0 };

export class MediaEncoders {
  private audio?: Promise<ort.InferenceSession>;
  private vision?: Promise<ort.InferenceSession>;

  constructor(
    private readonly bundle: LoadedBundle,
    private readonly sessions: SessionManager,
  ) {}

  /** Encoder rows of the prompt's media items from `from` on, each kind in prompt order. */
  async encode(prompt: ProcessorOutput, from: EncodeFrom = ENCODE_ALL): Promise<MediaFeatures> {
    const media: MediaFeatures = {};
    const audios = prompt.inputFeatures?.shape[0] ?? 0;
    if (prompt.inputFeatures && prompt.featureAttentionMask && from.audio < audios) {
      media.audio = await this.encodeAudio(prompt.inputFeatures, prompt.featureAttentionMask, from.audio);
    }
    if (prompt.pixelValues && prompt.imageGridThw && from.image < prompt.imageGridThw.length) {
      media.image = await this.encodeVisual(prompt.pixelValues, prompt.imageGridThw, from.image);
    }
    if (prompt.pixelValuesVideos && prompt.videoGridThw && from.video < prompt.videoGridThw.length) {
      media.video = await this.encodeVisual(prompt.pixelValuesVideos, prompt.videoGridThw, from.video);
    }
    return media;
  }

  /** All audios from `first` in one call: transformers pads every chunk of a call to the call's longest. */
  private async encodeAudio(features: { data: Float32Array; shape: number[] }, mask: { data: Int32Array; shape: number[] }, first: number): Promise<Float32Array> {
    const [audios, bins, frames] = features.shape;
    const subset = {
      features: { data: features.data.subarray(first * bins * frames), shape: [audios - first, bins, frames] },
      mask: { data: mask.data.subarray(first * frames), shape: [audios - first, frames] },
    };
    const inputs = audioEncoderInputs(subset.features, subset.mask, this.bundle.manifest.graphs.audio_encoder.extra);
    const session = await (this.audio ??= this.sessions.open('audio_encoder', this.bundle.graphPath('audio_encoder')));
    const out = await session.run({
      input_features: new Tensor('float32', inputs.inputFeatures.data, inputs.inputFeatures.dims),
      window_index: new Tensor('int64', inputs.windowIndex.data, inputs.windowIndex.dims),
    });
    return out.audio_features.data as Float32Array;
  }

  /** One call per image or video (its temporal groups batched), the outputs stacked in prompt order. */
  private async encodeVisual(pixels: { data: Float32Array; shape: number[] }, grids: readonly (readonly number[])[], first: number): Promise<VisualFeatures> {
    const settings = this.bundle.manifest.graphs.vision_encoder.extra;
    const width = pixels.shape[1];
    const skipped = grids.slice(0, first).reduce((rows, [t, h, w]) => rows + t * h * w, 0);
    const rows = pixels.shape[0] - skipped;
    const calls = visionEncoderInputs({ data: pixels.data.subarray(skipped * width), shape: [rows, width] }, grids.slice(first), settings);
    const session = await (this.vision ??= this.sessions.open('vision_encoder', this.bundle.graphPath('vision_encoder')));
    const parts: { features: Float32Array; deepstack: Float32Array; tokens: number }[] = [];
    for (const call of calls) {
      const patches = call.pixelValues.dims[1];
      const half = settings.headDim / 2;
      const out = await session.run({
        pixel_values: new Tensor('float32', call.pixelValues.data, call.pixelValues.dims),
        pos_idx: new Tensor('int64', call.posIdx, [4, patches]),
        pos_w: new Tensor('float32', call.posW, [4, patches]),
        rope_cos: new Tensor('float32', call.ropeCos, [patches, half]),
        rope_sin: new Tensor('float32', call.ropeSin, [patches, half]),
      });
      parts.push({ features: out.image_features.data as Float32Array, deepstack: out.deepstack_features.data as Float32Array, tokens: call.tokens });
    }
    return stackVisual(parts);
  }
}

/** Rows of several calls in order: features `[ΣN, H]`, deepstack `[K, ΣN, H]` (each layer's block stacked). */
function stackVisual(parts: { features: Float32Array; deepstack: Float32Array; tokens: number }[]): VisualFeatures {
  const total = parts.reduce((n, p) => n + p.tokens, 0);
  const features = new Float32Array(parts.reduce((n, p) => n + p.features.length, 0));
  const H = total === 0 ? 0 : features.length / total;
  const K = total === 0 ? 0 : parts.reduce((n, p) => n + p.deepstack.length, 0) / (total * H);
  const deepstack = new Float32Array(K * total * H);
  let row = 0;
  for (const part of parts) {
    features.set(part.features, row * H);
    for (let k = 0; k < K; k++) deepstack.set(part.deepstack.subarray(k * part.tokens * H, (k + 1) * part.tokens * H), (k * total + row) * H);
    row += part.tokens;
  }
  return { features, deepstack };
}
