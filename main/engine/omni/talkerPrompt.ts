/**
 * The talker's prompt (qwen3-omni.md §9.2), as transformers 5.18's `generate(return_audio=True)` builds it from the
 * thinker's prompt:
 * 1. every user segment, in order (`<|im_start|>user\n … <|im_end|>\n`, up to the next `<|im_start|>`): a row per
 *    position, `hidden_projection` of the thinker's accept-layer state at media slots (`<|audio_pad|>`,
 *    `<|image_pad|>`, `<|video_pad|>`), `text_projection` of the word embedding elsewhere. System segments and
 *    earlier assistant turns are left out.
 * 2. nine assistant rows, text + codec:
 *      A[<|im_start|>], A[assistant], A[\n]                      (+ nothing)
 *      tts_pad + codec_nothink, tts_pad + codec_think_bos, tts_pad + codec_think_eos, tts_pad + speaker
 *      tts_bos + codec_pad
 *      A[g0] + codec_bos                                         (g0: the thinker's first token)
 *    where A[x] / tts_x = text_projection of the word embedding.
 * 3. positions: `get_rope_index` over the user ids followed by 9 × `<tts_pad>`, with the prompt's audio lengths and
 *    grids but never `use_audio_in_video` (transformers does not pass it to the talker).
 *
 * Everything but the last row is known once the thinker has prefilled (`prepareTalkerPrompt`), so it is projected
 * while the thinker chooses g0; `completeTalkerPrompt` adds the g0 row. The rest of the reply reaches the talker one
 * row per frame through the trailing queue (trailingText.ts).
 */
import type { RopeConfig } from '../processor/config';
import type { MediaLayout } from '../processor/processor';
import { ropeIndex } from '../processor/ropeIndex';
import { concatFloat32 } from '../runtime/float32';

/** The ids the prompt is built from (config.json; thinker media ids). */
export interface TalkerPromptTokens {
  imStart: number;
  system: number;
  user: number;
  assistant: number;
  ttsPad: number;
  ttsBos: number;
  /** Media slots whose rows come from the accept-layer states. */
  media: readonly number[];
  codec: { nothink: number; thinkBos: number; thinkEos: number; pad: number; bos: number };
}

/** Where the talker's prompt comes from in the thinker's prompt. */
export interface TalkerPromptLayout {
  /** Positions of the user segments' tokens, in order. */
  userPositions: number[];
  /** Positions of the closing `<|im_start|>assistant\n`. */
  assistantPositions: number[];
  /** The ids `get_rope_index` sees: the user tokens, then one `<tts_pad>` per assistant row. */
  talkerIds: number[];
}

/** Assistant rows the prompt adds (§9.2 step 2). */
export const ASSISTANT_ROWS = 9;

export function talkerPromptLayout(inputIds: ArrayLike<number | bigint>, tokens: TalkerPromptTokens): TalkerPromptLayout {
  const ids = Array.from(inputIds, Number);
  const starts = ids.flatMap((id, i) => (id === tokens.imStart ? [i] : []));
  if (starts.length === 0) throw new Error('talkerPromptLayout: the prompt has no <|im_start|>');
  const userPositions: number[] = [];
  const last = starts[starts.length - 1];
  for (const [k, start] of starts.slice(0, -1).entries()) {
    const role = ids[start + 1];
    if (role === tokens.user) for (let p = start; p < starts[k + 1]; p++) userPositions.push(p);
    // transformers accepts exactly these roles (an AssertionError otherwise).
    else if (role !== tokens.system && role !== tokens.assistant) throw new Error(`talkerPromptLayout: role token ${role} at ${start + 1} is not system, user or assistant`);
  }
  if (ids[last + 1] !== tokens.assistant || ids.length !== last + 3) {
    throw new Error('talkerPromptLayout: the prompt must end with the generation prompt <|im_start|>assistant\\n');
  }
  const assistantPositions = [last, last + 1, last + 2];
  const talkerIds = [...userPositions.map((p) => ids[p]), ...Array<number>(ASSISTANT_ROWS).fill(tokens.ttsPad)];
  return { userPositions, assistantPositions, talkerIds };
}

/** The graph runs the prompt needs (the Talker provides them). */
export interface TalkerPromptGraphs {
  hiddenSize: number;
  /** `text_projection` of the thinker's word embeddings of `ids`: `[n, H]`. */
  projectText(ids: readonly number[], signal?: AbortSignal): Promise<Float32Array>;
  /** `hidden_projection` of accept-layer rows `[n, Ht]`: `[n, H]`. */
  projectHidden(rows: Float32Array, signal?: AbortSignal): Promise<Float32Array>;
  /** The talker's codec embedding of group-0 ids (control ids included): `[n, H]`. */
  embedControl(ids: readonly number[], signal?: AbortSignal): Promise<Float32Array>;
}

export interface TalkerPromptInput {
  inputIds: ArrayLike<number | bigint>;
  /** The prompt's audio lengths and grids (the processor output). */
  media: Partial<MediaLayout>;
  /** Accept-layer rows at (at least) every media slot of a user segment, by position. */
  acceptHidden: ReadonlyMap<number, Float32Array>;
  speakerId: number;
}

/** Every row but the last, and the positions of all. */
export interface PreparedTalkerPrompt {
  /** `[n − 1, H]`. */
  rows: Float32Array;
  /** `codec_bos`'s embedding, added to the g0 row. */
  codecBos: Float32Array;
  /** `[3, n]` T/H/W rows. */
  positionIds: Float64Array;
  ropeDelta: number;
}

/** The prefill of the talker. */
export interface TalkerPrompt {
  /** `[n, H]`. */
  embeds: Float32Array;
  positionIds: Float64Array;
  /** Decode step k sits at `n + k + ropeDelta` on all axes. */
  ropeDelta: number;
}

const add = (a: Float32Array, b: Float32Array) => a.map((v, i) => v + b[i]);

export async function prepareTalkerPrompt(
  input: TalkerPromptInput,
  tokens: TalkerPromptTokens,
  ropeConfig: RopeConfig,
  graphs: TalkerPromptGraphs,
  signal?: AbortSignal,
): Promise<PreparedTalkerPrompt> {
  const H = graphs.hiddenSize;
  const ids = Array.from(input.inputIds, Number);
  const layout = talkerPromptLayout(ids, tokens);
  const media = new Set(tokens.media);
  const words = layout.userPositions.filter((p) => !media.has(ids[p]));
  const slots = layout.userPositions.filter((p) => media.has(ids[p]));

  // One run per projection: the user words, the assistant header and tts_pad/tts_bos together.
  const text = await graphs.projectText([...words.map((p) => ids[p]), ...layout.assistantPositions.map((p) => ids[p]), tokens.ttsPad, tokens.ttsBos], signal);
  const states = slots.map((p) => {
    const row = input.acceptHidden.get(p);
    if (!row) throw new Error(`prepareTalkerPrompt: no accept-layer state for the media slot at ${p}`);
    return row;
  });
  const hidden = states.length > 0 ? await graphs.projectHidden(concatFloat32(states), signal) : new Float32Array(0);
  const { nothink, thinkBos, thinkEos, pad, bos } = tokens.codec;
  const codec = await graphs.embedControl([nothink, thinkBos, thinkEos, input.speakerId, pad, bos], signal);

  const row = (data: Float32Array, k: number) => data.subarray(k * H, (k + 1) * H);
  const wordRow = new Map(words.map((p, k) => [p, k]));
  const slotRow = new Map(slots.map((p, k) => [p, k]));
  const header = words.length;
  const ttsPad = row(text, header + 3);
  const ttsBos = row(text, header + 4);
  const rows = [
    ...layout.userPositions.map((p) => (slotRow.has(p) ? row(hidden, slotRow.get(p)!) : row(text, wordRow.get(p)!))),
    row(text, header),
    row(text, header + 1),
    row(text, header + 2),
    ...[0, 1, 2, 3].map((k) => add(ttsPad, row(codec, k))),
    add(ttsBos, row(codec, 4)),
  ];
  const { positionIds, ropeDelta } = ropeIndex(layout.talkerIds, {
    config: ropeConfig,
    imageGridThw: input.media.imageGridThw,
    videoGridThw: input.media.videoGridThw,
    secondPerGrids: input.media.videoSecondPerGrid,
    audioTokenCounts: input.media.audioTokenCounts,
    useAudioInVideo: false,
  });
  return { rows: concatFloat32(rows), codecBos: row(codec, 5).slice(), positionIds, ropeDelta };
}

/** The prefill rows with the last one, `text_projection(g0) + codec_bos`. */
export async function completeTalkerPrompt(prepared: PreparedTalkerPrompt, firstToken: number, graphs: TalkerPromptGraphs, signal?: AbortSignal): Promise<TalkerPrompt> {
  const g0 = await graphs.projectText([firstToken], signal);
  return { embeds: concatFloat32([prepared.rows, add(g0, prepared.codecBos)]), positionIds: prepared.positionIds, ropeDelta: prepared.ropeDelta };
}
