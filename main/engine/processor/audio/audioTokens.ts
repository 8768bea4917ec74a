/**
 * How many audio tokens the AuT encoder makes of L valid mel frames (`_get_feat_extract_output_lengths`): 13 per full
 * 100-frame chunk, and for the remainder three stride-2 convolutions — with Python's floor division, so a remainder
 * of 0 adds nothing.
 */

/** Frames per encoder chunk: 2 · n_window (n_window = 50). */
export const FRAMES_PER_CHUNK = 100;
export const TOKENS_PER_CHUNK = 13;

export function audioTokenCount(frames: number): number {
  const remainder = frames % FRAMES_PER_CHUNK;
  const conv1 = floorDiv(remainder - 1, 2) + 1;
  const conv2 = floorDiv(conv1 - 1, 2) + 1;
  const conv3 = floorDiv(conv2 - 1, 2) + 1;
  return conv3 + TOKENS_PER_CHUNK * Math.floor(frames / FRAMES_PER_CHUNK);
}

/** The longest audio, in whole seconds, whose tokens fit in `tokens` (each second is one chunk of 13 tokens). */
export function maxAudioSecondsForTokens(tokens: number): number {
  return Math.max(0, Math.floor(tokens / TOKENS_PER_CHUNK));
}

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}
