import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { MediaLayout } from '../processor/processor';
import { audioTokenCount } from '../processor/audio/audioTokens';
import { goldenCaseNames, loadGoldenCase, type GoldenCase } from '../testing/fixtures';
import { assertClose, assertExact } from '../testing/parity';
import { buildTinyBundle, CPU_ONLY } from '../testing/tinyBundle';
import { OmniRuntime } from './omniRuntime';
import { Talker } from './talker';
import { completeTalkerPrompt, prepareTalkerPrompt, talkerPromptLayout, type TalkerPromptTokens } from './talkerPrompt';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-talker-prompt-'));
let omni: OmniRuntime;
let talker: Talker;
beforeAll(async () => {
  omni = await OmniRuntime.open(await buildTinyBundle(scratch), { stateDir: scratch, providers: CPU_ONLY });
  talker = await Talker.open(omni.bundle, omni.sessions, omni.thinker);
});
afterAll(async () => {
  await omni?.release();
  rmSync(scratch, { recursive: true, force: true });
});

describe('which parts of the thinker prompt the talker sees', () => {
  // <|im_start|> 1, system 2, user 3, assistant 4, \n 5, tts_pad 9, media 7.
  const tokens: TalkerPromptTokens = { imStart: 1, system: 2, user: 3, assistant: 4, ttsPad: 9, ttsBos: 10, media: [7], codec: { nothink: 0, thinkBos: 0, thinkEos: 0, pad: 0, bos: 0 } };
  const system = [1, 2, 5, 50, 6, 5];
  const user = (...words: number[]) => [1, 3, 5, ...words, 6, 5];
  const assistant = (...words: number[]) => [1, 4, 5, ...words, 6, 5];
  const generation = [1, 4, 5];

  it('every user segment in order; the system prompt and earlier replies are left out; 9 × tts_pad for the rope index', () => {
    const ids = [...system, ...user(20, 7, 7), ...assistant(30), ...user(21), ...generation];
    const layout = talkerPromptLayout(ids, tokens);
    expect(layout.userPositions).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 20, 21, 22, 23, 24, 25]);
    expect(layout.assistantPositions).toEqual([26, 27, 28]);
    expect(layout.talkerIds).toEqual([...user(20, 7, 7), ...user(21), ...Array(9).fill(9)]);
  });

  it('refuses a prompt without the generation prompt at its end, or with another role (as transformers asserts)', () => {
    expect(() => talkerPromptLayout([...user(20)], tokens)).toThrow('must end with the generation prompt');
    expect(() => talkerPromptLayout([...user(20), ...generation, 30], tokens)).toThrow('must end with the generation prompt');
    expect(() => talkerPromptLayout([1, 42, 5, 6, 5, ...generation], tokens)).toThrow('role token 42 at 1 is not system, user or assistant');
  });
});

/** The prompt's audio lengths and grids, from transformers' processor outputs. */
function goldenMedia(c: GoldenCase): Partial<MediaLayout> {
  const grids = (name: string) => {
    if (!c.has(name)) return undefined;
    const { data, shape } = c.array(name, 'int64');
    return Array.from({ length: shape[0] }, (_, i) => Array.from(data.subarray(3 * i, 3 * i + 3), Number));
  };
  const mask = c.has('feature_attention_mask') ? c.array('feature_attention_mask') : undefined;
  return {
    audioTokenCounts: mask && Array.from({ length: mask.shape[0] }, (_, i) => audioTokenCount(Array.from(mask.data.subarray(i * mask.shape[1], (i + 1) * mask.shape[1]) as ArrayLike<number | bigint>, Number).reduce((a, b) => a + b, 0))),
    imageGridThw: grids('image_grid_thw'),
    videoGridThw: grids('video_grid_thw'),
    videoSecondPerGrid: c.has('video_second_per_grid') ? Array.from(c.array('video_second_per_grid').data as ArrayLike<number>, Number) : undefined,
  };
}

describe("the talker prompt from transformers' thinker states", () => {
  for (const name of goldenCaseNames()) {
    it(`${name}: transformers' prefill rows, talker ids, positions and rope delta`, async () => {
      const c = loadGoldenCase(name);
      const inputIds = c.array('input_ids', 'int64').data;
      const H = omni.thinker.settings.hiddenSize;
      const accept = c.array('accept_hidden', 'float32').data;
      const acceptHidden = new Map(Array.from(inputIds, (_, p) => [p, accept.subarray(p * H, (p + 1) * H)] as const));
      const { prompt: tokens, rope3d } = talker.settings;
      const prepared = await prepareTalkerPrompt({ inputIds, media: goldenMedia(c), acceptHidden, speakerId: talker.speakerId(c.info.generation.speaker) }, tokens, rope3d, talker);
      const prompt = await completeTalkerPrompt(prepared, Number(c.array('thinker_token_ids', 'int64').data[0]), talker);
      assertClose('talker_prefill_embeds', c.array('talker_prefill_embeds', 'float32').data, prompt.embeds, { atol: 1e-5, rtol: 1e-5 });
      assertExact('talker_input_ids', c.array('talker_input_ids'), talkerPromptLayout(inputIds, tokens).talkerIds);
      assertExact('talker_position_ids', c.array('talker_position_ids'), { data: prompt.positionIds, shape: [3, prompt.positionIds.length / 3] });
      expect(prompt.ropeDelta).toBe(Number(c.array('talker_rope_delta').data[0]));
    });
  }

  it('the speaker row is the only difference between voices', async () => {
    const c = loadGoldenCase('text');
    const inputIds = c.array('input_ids', 'int64').data;
    const build = async (speaker: string) =>
      (await prepareTalkerPrompt({ inputIds, media: {}, acceptHidden: new Map(), speakerId: talker.speakerId(speaker) }, talker.settings.prompt, talker.settings.rope3d, talker)).rows;
    const [ethan, chelsie] = [await build('ethan'), await build('Chelsie')];
    const H = talker.settings.hiddenSize;
    const differing = new Set(Array.from(ethan.keys()).filter((i) => ethan[i] !== chelsie[i]).map((i) => Math.floor(i / H)));
    // User rows, 3 header rows, then nothink, think_bos, think_eos, speaker: the speaker row is the 4th from the end.
    expect([...differing]).toEqual([ethan.length / H - 2]);
  });
});
