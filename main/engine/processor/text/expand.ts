/**
 * Placeholder expansion, `Qwen3OmniMoeProcessor.replace_multimodal_special_tokens` (qwen3-omni.md §6.2): each media
 * token of the rendered prompt, in order of appearance, becomes as many copies as the item has LLM tokens; a video
 * with its own audio track becomes the time-interleaved `<|vision_start|><|audio_start|>…<|audio_end|><|vision_end|>`.
 */
import type { MediaTokens } from './tokenizer';

/**
 * The processor's own `position_id_per_seconds` (videos_kwargs default 13.0), not the model config's: transformers
 * orders the interleave with it, the rope index uses the config.
 */
const PROCESSOR_POSITION_ID_PER_SECONDS = 13;

export interface ExpansionInputs {
  /** Audio tokens per audio in order of appearance; with `useAudioInVideo` a video takes the next entry too. */
  audioTokenCounts: readonly number[];
  imageGridThw: readonly (readonly number[])[];
  videoGridThw: readonly (readonly number[])[];
  videoSecondPerGrid: readonly number[];
  useAudioInVideo: boolean;
  /** Spatial merge size of the image/video processors (patches per LLM token along each side). */
  mergeSize: number;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export function expandPlaceholders(text: string, tokens: MediaTokens, inputs: ExpansionInputs): string {
  const next = { audio: 0, image: 0, video: 0 };
  const take = <T>(list: readonly T[], kind: keyof typeof next): T => {
    if (next[kind] >= list.length) {
      throw new Error(`the prompt has more ${kind} placeholders than ${kind} inputs (${list.length})`);
    }
    return list[next[kind]++];
  };
  const merged = (grid: readonly number[]) => Math.floor((grid[0] * grid[1] * grid[2]) / inputs.mergeSize ** 2);
  const videoWithAudio = tokens.visionBos + tokens.video + tokens.visionEos;

  const pattern = new RegExp([tokens.audio, tokens.image, tokens.video].map(escapeRegExp).join('|'), 'g');
  let out = '';
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const at = match.index;
    if (match[0] === tokens.audio) {
      out += text.slice(last, at) + tokens.audio.repeat(take(inputs.audioTokenCounts, 'audio'));
      last = at + match[0].length;
    } else if (match[0] === tokens.image) {
      out += text.slice(last, at) + tokens.image.repeat(merged(take(inputs.imageGridThw, 'image')));
      last = at + match[0].length;
    } else if (!inputs.useAudioInVideo) {
      out += text.slice(last, at) + tokens.video.repeat(merged(take(inputs.videoGridThw, 'video')));
      last = at + match[0].length;
    } else {
      const from = at - tokens.visionBos.length;
      if (text.slice(from, from + videoWithAudio.length) !== videoWithAudio) {
        throw new Error(`audio in video needs "${videoWithAudio}" in the prompt around each video`);
      }
      const secondPerGrid = inputs.videoSecondPerGrid[next.video];
      if (secondPerGrid === undefined) throw new Error(`video ${next.video} has no seconds-per-grid`);
      const grid = take(inputs.videoGridThw, 'video');
      out += text.slice(last, from) + interleave(tokens, grid, secondPerGrid, take(inputs.audioTokenCounts, 'audio'), inputs.mergeSize);
      last = from + videoWithAudio.length;
    }
  }
  if (next.audio < inputs.audioTokenCounts.length || next.image < inputs.imageGridThw.length || next.video < inputs.videoGridThw.length) {
    throw new Error(
      `the prompt has placeholders for ${next.audio} audio, ${next.image} image and ${next.video} video inputs, ` +
        `but ${inputs.audioTokenCounts.length}, ${inputs.imageGridThw.length} and ${inputs.videoGridThw.length} were given`,
    );
  }
  return out + text.slice(last);
}

/**
 * Video token k of temporal group t has key t·secondPerGrid·13 (float64, as numpy computes it), audio token j has
 * key j; video goes first while its key is not larger, leftovers video then audio.
 */
function interleave(tokens: MediaTokens, grid: readonly number[], secondPerGrid: number, audioTokens: number, mergeSize: number): string {
  const perGroup = Math.floor(grid[1] / mergeSize) * Math.floor(grid[2] / mergeSize);
  const videoTokens = grid[0] * perGroup;
  const parts: string[] = [tokens.visionBos, tokens.audioBos];
  let v = 0;
  let a = 0;
  while (v < videoTokens && a < audioTokens) {
    if (Math.floor(v / perGroup) * secondPerGrid * PROCESSOR_POSITION_ID_PER_SECONDS <= a) {
      parts.push(tokens.video);
      v++;
    } else {
      parts.push(tokens.audio);
      a++;
    }
  }
  parts.push(tokens.video.repeat(videoTokens - v), tokens.audio.repeat(audioTokens - a), tokens.audioEos, tokens.visionEos);
  return parts.join('');
}
