/**
 * 3-D M-RoPE position ids and rope delta, a transcription of transformers 5.18's
 * `Qwen3OmniMoePreTrainedModelForConditionalGeneration.get_rope_index` for one unpadded sequence (qwen3-omni.md §7).
 *
 * Two details matter for exactness:
 * - transformers computes in float32 once a vision block exists (video T positions are fractional), so every sum is
 *   rounded with `Math.fround` where torch rounds; integer positions stay exact below 2^24.
 * - the position after a media item is `max(last appended block) + 1`, where in audio-in-video the last block may be
 *   the audio tail rather than the item's maximum (§7.1 quirk).
 */
import type { RopeConfig } from './config';

export interface RopeIndexInputs {
  config: RopeConfig;
  /** `[t, h, w]` per image, in prompt order (patch grid, before merging). */
  imageGridThw?: readonly (readonly number[])[];
  videoGridThw?: readonly (readonly number[])[];
  /** Seconds per temporal grid per video (`video_second_per_grid`). */
  secondPerGrids?: readonly number[];
  /** Audio tokens per audio in prompt order, a video's own track included (`_get_feat_extract_output_lengths`). */
  audioTokenCounts?: readonly number[];
  useAudioInVideo?: boolean;
}

export interface RopeIndex {
  /** `[3, S]` row-major: the T, H and W rows. Float because video T positions can be fractional. */
  positionIds: Float64Array;
  /** `max(positionIds) + 1 − S`; decoding token at cache index p sits at `p + ropeDelta` on all axes. */
  ropeDelta: number;
}

const f32 = Math.fround;

/** A run of positions appended as one list entry in transformers (its max feeds the next start). */
interface Block {
  t: number[];
  h: number[];
  w: number[];
}

function sequential(start: number, length: number): Block {
  const values = Array.from({ length }, (_, k) => f32(start + k));
  return { t: values, h: values, w: values };
}

function blockMax(block: Block): number {
  let max = -Infinity;
  for (const row of [block.t, block.h, block.w]) for (const v of row) if (v > max) max = v;
  return max;
}

/** `get_llm_pos_ids_for_vision`: T from the temporal index, H/W from the merged grid, all offset by `start`. */
function visionBlock(start: number, grid: readonly number[], tIndex: (k: number) => number, mergeSize: number): Block {
  const [gridT, gridH, gridW] = grid;
  const llmH = Math.floor(gridH / mergeSize);
  const llmW = Math.floor(gridW / mergeSize);
  const block: Block = { t: [], h: [], w: [] };
  for (let k = 0; k < gridT; k++) {
    const t = f32(tIndex(k) + start);
    for (let i = 0; i < llmH; i++) {
      for (let j = 0; j < llmW; j++) {
        block.t.push(t);
        block.h.push(f32(i + start));
        block.w.push(f32(j + start));
      }
    }
  }
  return block;
}

function slice(block: Block, from: number, to: number): Block {
  return { t: block.t.slice(from, to), h: block.h.slice(from, to), w: block.w.slice(from, to) };
}

function indexOf(ids: readonly number[], token: number, from: number, what: string): number {
  const at = ids.indexOf(token, from);
  if (at < 0) throw new Error(`ropeIndex: no ${what} token (${token}) after position ${from}`);
  return at;
}

function take<T>(list: readonly T[] | undefined, index: number, what: string): T {
  if (!list || index >= list.length) throw new Error(`ropeIndex: the prompt has more ${what} than were given`);
  return list[index];
}

export function ropeIndex(inputIds: ArrayLike<number | bigint>, inputs: RopeIndexInputs): RopeIndex {
  const ids = Array.from(inputIds, Number);
  const length = ids.length;
  const blocks: Block[] = [];

  // transformers takes the walk only when a grid was passed; otherwise every axis is 0..S-1.
  if (inputs.imageGridThw?.length || inputs.videoGridThw?.length) {
    walk(ids, inputs, blocks);
  } else {
    blocks.push(sequential(0, length));
  }

  const positionIds = new Float64Array(3 * length);
  let offset = 0;
  let max = -Infinity;
  for (const block of blocks) {
    positionIds.set(block.t, offset);
    positionIds.set(block.h, length + offset);
    positionIds.set(block.w, 2 * length + offset);
    offset += block.t.length;
    max = Math.max(max, blockMax(block));
  }
  if (offset !== length) throw new Error(`ropeIndex: placed ${offset} positions for ${length} tokens`);
  return { positionIds, ropeDelta: length === 0 ? 0 : f32(f32(max + 1) - length) };
}

function walk(ids: readonly number[], inputs: RopeIndexInputs, blocks: Block[]): void {
  const { config, useAudioInVideo = false } = inputs;
  const { imageTokenId, videoTokenId, audioTokenId, visionStartTokenId, audioStartTokenId, positionIdPerSeconds } = config;
  const merge = config.spatialMergeSize;
  const mergedTokens = (grid: readonly number[]) => Math.floor((grid[0] * grid[1] * grid[2]) / (merge * merge));

  const afterVisionStart = ids.flatMap((id, i) => (id === visionStartTokenId ? [ids[i + 1]] : []));
  const imageCount = afterVisionStart.filter((id) => id === imageTokenId).length;
  const videoCount = afterVisionStart.filter((id) => id === (useAudioInVideo ? audioStartTokenId : videoTokenId)).length;
  const audioCount = ids.filter((id) => id === audioStartTokenId).length;
  // An audio-in-video item counts once, through its audio start.
  const items = useAudioInVideo ? imageCount + audioCount : imageCount + videoCount + audioCount;
  const hasVisionTokens = ids.includes(imageTokenId) || ids.includes(videoTokenId);
  const hasAudioTokens = ids.includes(audioTokenId);

  let remainingImages = imageCount;
  let remainingVideos = videoCount;
  let remainingAudios = audioCount;
  let imageIndex = 0;
  let videoIndex = 0;
  let audioIndex = 0;
  let st = 0;
  const nextStart = () => (blocks.length ? f32(blockMax(blocks[blocks.length - 1]) + 1) : 0);
  const videoTIndex = (index: number) => {
    const secondPerGrid = f32(take(inputs.secondPerGrids, index, 'videos'));
    const perSecond = f32(positionIdPerSeconds);
    return (k: number) => f32(f32(k * secondPerGrid) * perSecond);
  };

  for (let item = 0; item < items; item++) {
    let stIdx = nextStart();
    const visionStart =
      hasVisionTokens && (remainingVideos > 0 || remainingImages > 0)
        ? indexOf(ids, visionStartTokenId, st, 'vision start')
        : ids.length + 1;
    const audioStart =
      hasAudioTokens && remainingAudios > 0 ? indexOf(ids, audioStartTokenId, st, 'audio start') : ids.length + 1;
    const start = Math.min(visionStart, audioStart);

    const textLength = start - st;
    if (textLength !== 0) {
      blocks.push(sequential(stIdx, textLength));
      stIdx = f32(stIdx + textLength);
    }
    const audioInVideo = start === visionStart && visionStart + 1 === audioStart;
    const boundary = audioInVideo ? 2 : 1;
    blocks.push(sequential(stIdx, boundary));
    stIdx = f32(stIdx + boundary);

    if (start === audioStart) {
      const audioLength = take(inputs.audioTokenCounts, audioIndex, 'audios');
      blocks.push(sequential(stIdx, audioLength));
      st += textLength + boundary + audioLength + boundary;
      audioIndex++;
      remainingAudios--;
    } else if (ids[visionStart + 1] === imageTokenId) {
      const grid = take(inputs.imageGridThw, imageIndex, 'images');
      const perSecond = positionIdPerSeconds;
      blocks.push(visionBlock(stIdx, grid, (k) => f32(k * perSecond), merge));
      st += textLength + boundary + mergedTokens(grid) + boundary;
      imageIndex++;
      remainingImages--;
    } else if (ids[visionStart + 1] === videoTokenId) {
      const grid = take(inputs.videoGridThw, videoIndex, 'videos');
      blocks.push(visionBlock(stIdx, grid, videoTIndex(videoIndex), merge));
      st += textLength + boundary + mergedTokens(grid) + boundary;
      videoIndex++;
      remainingVideos--;
    } else if (audioInVideo) {
      const audioLength = take(inputs.audioTokenCounts, audioIndex, 'audios');
      const audio = sequential(stIdx, audioLength);
      const grid = take(inputs.videoGridThw, videoIndex, 'videos');
      const video = visionBlock(stIdx, grid, videoTIndex(videoIndex), merge);
      // Merge by T, video first on ties; each single token is its own block, as in transformers.
      let v = 0;
      let a = 0;
      while (v < video.t.length && a < audio.t.length) {
        if (video.t[v] <= audio.t[a]) blocks.push(slice(video, v, ++v));
        else blocks.push(slice(audio, a, ++a));
      }
      if (v < video.t.length) blocks.push(slice(video, v, video.t.length));
      if (a < audio.t.length) blocks.push(slice(audio, a, audio.t.length));
      st += textLength + boundary + audioLength + mergedTokens(grid) + boundary;
      audioIndex++;
      videoIndex++;
      remainingVideos--;
      remainingAudios--;
    } else {
      throw new Error(`ropeIndex: token ${ids[visionStart + 1]} after the vision start at ${visionStart} is no media token`);
    }
    blocks.push(sequential(nextStart(), boundary));
  }

  if (st < ids.length) blocks.push(sequential(nextStart(), ids.length - st));
}

/** Positions of `count` decoded tokens from cache index `start` (§7.2): `p + ropeDelta` on all three axes. */
export function decodePositionIds(start: number, count: number, ropeDelta: number): Float64Array {
  const positions = new Float64Array(3 * count);
  for (let k = 0; k < count; k++) {
    const p = f32(start + k + ropeDelta);
    positions[k] = p;
    positions[count + k] = p;
    positions[2 * count + k] = p;
  }
  return positions;
}
