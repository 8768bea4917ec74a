/**
 * The thinker's multimodal input (qwen3-omni.md §6.2, §8; onnx-bundle.md §2: host work, so no graph has
 * data-dependent shapes): encoder rows replace the token embeddings at the media slots — audio rows at
 * `<|audio_pad|>`, image rows at `<|image_pad|>`, video rows at `<|video_pad|>`, each kind in slot order, as
 * transformers' `masked_scatter` does — and the deepstack features of images and videos are laid out densely for
 * the graph's `deepstack_embeds` input, zero away from visual slots (adding zero leaves those positions exactly).
 */
import { OmniError } from '../errors';

/** One vision encoder output: merger rows and the deepstack mergers' rows, both for the same visual tokens. */
export interface VisualFeatures {
  /** `[N, H]`. */
  features: Float32Array;
  /** `[K, N, H]`: one block per deepstack layer. */
  deepstack: Float32Array;
}

/** Encoder outputs for the media slots of one thinker input, each kind in slot order. */
export interface MediaFeatures {
  /** `[N_audio, H]`. */
  audio?: Float32Array;
  image?: VisualFeatures;
  video?: VisualFeatures;
}

export interface MediaTokenIds {
  audio: number;
  image: number;
  video: number;
}

export interface ScatterShape {
  hidden: number;
  /** K: the decoder layers that receive deepstack features. */
  deepstackLayers: number;
}

/** Positions of each media kind's slots in `ids`. */
export function mediaSlots(ids: ArrayLike<number | bigint>, tokens: MediaTokenIds): Record<keyof MediaTokenIds, number[]> {
  const slots = { audio: [] as number[], image: [] as number[], video: [] as number[] };
  for (let s = 0; s < ids.length; s++) {
    const id = Number(ids[s]);
    if (id === tokens.audio) slots.audio.push(s);
    else if (id === tokens.image) slots.image.push(s);
    else if (id === tokens.video) slots.video.push(s);
  }
  return slots;
}

/**
 * Writes the encoder rows into `embeds` (`[S, H]`, the token embeddings of `ids`) and returns the dense deepstack
 * input `[K, S, H]`, or undefined when `ids` has no visual slot.
 */
export function scatterMedia(
  ids: ArrayLike<number | bigint>,
  embeds: Float32Array,
  media: MediaFeatures,
  tokens: MediaTokenIds,
  shape: ScatterShape,
): Float32Array | undefined {
  const { hidden: H, deepstackLayers: K } = shape;
  const S = ids.length;
  const slots = mediaSlots(ids, tokens);
  const rowsOf = (data: Float32Array | undefined) => (data ? data.length / H : 0);
  for (const kind of ['audio', 'image', 'video'] as const) {
    const rows = kind === 'audio' ? rowsOf(media.audio) : rowsOf(media[kind]?.features);
    // transformers refuses the same mismatch ("features and tokens do not match").
    if (rows !== slots[kind].length) {
      throw new OmniError('INTERNAL', `the prompt has ${slots[kind].length} ${kind} slots but the encoders gave ${rows} ${kind} rows`);
    }
  }
  const place = (data: Float32Array, positions: number[]) => positions.forEach((s, j) => embeds.set(data.subarray(j * H, (j + 1) * H), s * H));
  if (media.audio) place(media.audio, slots.audio);
  if (media.image) place(media.image.features, slots.image);
  if (media.video) place(media.video.features, slots.video);

  if (slots.image.length + slots.video.length === 0 || K === 0) return undefined;
  const deepstack = new Float32Array(K * S * H);
  for (const kind of ['image', 'video'] as const) {
    const visual = media[kind];
    if (!visual) continue;
    const N = slots[kind].length;
    for (let k = 0; k < K; k++) {
      slots[kind].forEach((s, j) => deepstack.set(visual.deepstack.subarray((k * N + j) * H, (k * N + j + 1) * H), (k * S + s) * H));
    }
  }
  return deepstack;
}
