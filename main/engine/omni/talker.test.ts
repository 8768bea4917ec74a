/**
 * The Talker against transformers (qwen3-omni.md §9.3, greedy per §9.5), from transformers' talker prompt and the
 * thinker's tokens of every golden case: the trailing rows, every frame's 16 codes, and stopping at EOS or the frame
 * limit the way transformers does. End to end from the processor: speechTurn.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { goldenCaseNames, loadGoldenCase, type GoldenCase } from '../testing/fixtures';
import { assertClose, assertExact } from '../testing/parity';
import { buildTinyBundle, CPU_ONLY } from '../testing/tinyBundle';
import { wrappingSessionFactory } from '../testing/wrapSessions';
import { OmniRuntime } from './omniRuntime';
import { Talker, type TalkerEvent, type TalkerOptions } from './talker';
import type { TalkerPrompt } from './talkerPrompt';
import { TrailingText } from './trailingText';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-talker-'));
let omni: OmniRuntime;
let talker: Talker;
/** Talker decoder runs so far, and the run whose logits get EOS forced to the top (transformers' test trick). */
const talkerRuns = { count: 0, forceEosAt: -1 };
beforeAll(async () => {
  const sessionFactory = wrappingSessionFactory(async (graph, run) => {
    const outputs = await run();
    if (graph === 'talker' && ++talkerRuns.count === talkerRuns.forceEosAt) (outputs.logits.data as Float32Array)[talker.settings.eosTokenId] = 1e4;
    return outputs;
  });
  omni = await OmniRuntime.open(await buildTinyBundle(scratch), { stateDir: scratch, providers: CPU_ONLY, sessionFactory });
  talker = await Talker.open(omni.bundle, omni.sessions, omni.thinker);
});
afterAll(async () => {
  await omni?.release();
  rmSync(scratch, { recursive: true, force: true });
});

/** transformers' talker prefill of the case. */
const goldenPrompt = (c: GoldenCase): TalkerPrompt => ({
  embeds: c.array('talker_prefill_embeds', 'float32').data,
  positionIds: Float64Array.from(c.array('talker_position_ids').data as ArrayLike<number | bigint>, Number),
  ropeDelta: Number(c.array('talker_rope_delta').data[0]),
});

/** The thinker's reply as the talker receives it: g1 … one by one, then the end. */
function replyQueue(c: GoldenCase): TrailingText {
  const text = new TrailingText((ids, signal) => talker.projectText(ids, signal), talker.settings.trailing);
  for (const id of Array.from(c.array('thinker_token_ids', 'int64').data, Number).slice(1)) text.push(id);
  text.end();
  return text;
}

async function frames(events: AsyncGenerator<TalkerEvent>) {
  const codes: number[][] = [];
  for await (const event of events) {
    if (event.type === 'done') return { codes, done: event };
    codes.push(event.codes);
  }
  throw new Error('no done event');
}

/** `[G, T]` group-major, as codes.npy. */
const groupMajor = (codes: number[][]) => BigInt64Array.from({ length: codes.length * (codes[0]?.length ?? 0) }, (_, i) => BigInt(codes[i % codes.length][Math.floor(i / codes.length)]));

const greedy = (c: GoldenCase): TalkerOptions => ({ doSample: false, maxFrames: c.info.generation.talker_max_new_tokens - 1 });

describe('the trailing queue transformers fed the talker', () => {
  for (const name of goldenCaseNames()) {
    it(`${name}: text_projection of the fed-back tokens (the capped last word dropped), tts_eos, then tts_pad`, async () => {
      const c = loadGoldenCase(name);
      const text = replyQueue(c);
      const expected = c.array('trailing_text_hidden', 'float32');
      const rows = [];
      for (let k = 0; k < expected.shape[0]; k++) rows.push(...(await text.row(k)));
      assertClose('trailing_text_hidden', expected.data, Float32Array.from(rows), { atol: 1e-5, rtol: 1e-5 });
      for (const k of [expected.shape[0], expected.shape[0] + 5]) assertClose('tts_pad_embed', c.array('tts_pad_embed', 'float32').data, await text.row(k), { atol: 1e-5, rtol: 1e-5 });
    });
  }
});

describe('greedy codes from transformers\' talker prompt', () => {
  for (const name of goldenCaseNames()) {
    it(`${name}: every frame's 16 codes, and talker_max_new_tokens − 1 frames`, async () => {
      const c = loadGoldenCase(name);
      const { codes, done } = await frames(talker.generate(goldenPrompt(c), replyQueue(c), greedy(c)));
      assertExact('codes', c.array('codes', 'int64'), { data: groupMajor(codes), shape: [16, codes.length] });
      expect(done).toMatchObject({ stopReason: 'max-frames', frames: c.info.frames });
    });
  }
});

describe('stopping as transformers does', () => {
  const c = loadGoldenCase('text');
  const golden = c.array('codes', 'int64');
  const goldenFrames = (n: number) => Array.from({ length: n }, (_, t) => Array.from({ length: 16 }, (_, g) => Number(golden.data[g * golden.shape[1] + t])));

  it('EOS as the 5th code: 4 frames, the EOS frame never emitted', async () => {
    talkerRuns.count = 0;
    talkerRuns.forceEosAt = 5;
    try {
      const { codes, done } = await frames(talker.generate(goldenPrompt(c), replyQueue(c), greedy(c)));
      expect(codes).toEqual(goldenFrames(4));
      expect(done).toMatchObject({ stopReason: 'eos', frames: 4 });
    } finally {
      talkerRuns.forceEosAt = -1;
    }
  });

  it('EOS first: no frame at all (transformers raises on the empty stack)', async () => {
    talkerRuns.count = 0;
    talkerRuns.forceEosAt = 1;
    try {
      expect(await frames(talker.generate(goldenPrompt(c), replyQueue(c), greedy(c)))).toMatchObject({ codes: [], done: { stopReason: 'eos', frames: 0 } });
    } finally {
      talkerRuns.forceEosAt = -1;
    }
  });

  it('at the frame limit, the code transformers samples and drops is never computed', async () => {
    talkerRuns.count = 0;
    const { codes, done } = await frames(talker.generate(goldenPrompt(c), replyQueue(c), { doSample: false, maxFrames: 3 }));
    expect(codes).toEqual(goldenFrames(3));
    expect(done.stopReason).toBe('max-frames');
    // The prefill and the steps after frames 1 and 2.
    expect(talkerRuns.count).toBe(3);
  });
});

describe('sampling (transformers\' defaults: T 0.9, top-k 50, penalty 1.05; code predictor top-k 50, top-p 0.8)', () => {
  const c = loadGoldenCase('text');
  const sampled = async (seed: number) => (await frames(talker.generate(goldenPrompt(c), replyQueue(c), { doSample: true, seed, maxFrames: 12 }))).codes;

  it('repeats for a seed, differs for another, and never picks a suppressed id for group 0', async () => {
    const a = await sampled(1);
    expect(await sampled(1)).toEqual(a);
    expect(await sampled(2)).not.toEqual(a);
    for (const frame of a) {
      expect(frame).toHaveLength(16);
      expect(frame[0]).toBeLessThan(2048);
      for (const code of frame) expect(code).toBeLessThan(2048);
    }
  });

  it('draws, for seed 1, the codes it always drew (pinned from the first implementation)', async () => {
    expect(await sampled(1)).toEqual([
      [1548, 392, 413, 1959, 534, 352, 161, 881, 325, 1118, 1383, 1481, 1442, 1659, 1073, 498],
      [141, 1093, 1225, 438, 710, 1173, 1666, 1003, 560, 1320, 355, 1517, 1337, 1603, 771, 24],
      [90, 1242, 442, 1495, 734, 1886, 1129, 497, 1665, 1118, 315, 2024, 1031, 768, 1479, 347],
      [1126, 322, 1749, 252, 344, 1135, 280, 707, 895, 1879, 111, 407, 366, 179, 521, 1496],
      [1371, 1170, 429, 25, 1491, 780, 1108, 381, 1078, 1619, 1679, 1623, 1090, 1087, 89, 1496],
      [686, 53, 1460, 25, 939, 109, 1108, 346, 1458, 1978, 562, 597, 1294, 95, 412, 1249],
      [1384, 1359, 503, 779, 1218, 1221, 1713, 132, 1303, 1930, 972, 491, 1636, 171, 66, 1047],
      [1015, 1306, 699, 321, 1692, 810, 729, 707, 1243, 106, 1135, 210, 740, 108, 1419, 1185],
      [611, 1584, 450, 1385, 1923, 541, 994, 1922, 1451, 46, 1546, 998, 1419, 1544, 647, 330],
      [295, 1713, 1616, 1580, 1445, 1613, 1618, 346, 1007, 1483, 1131, 16, 848, 1188, 104, 1124],
      [275, 670, 1737, 216, 242, 1941, 1171, 532, 38, 1977, 1567, 1211, 182, 1670, 915, 1427],
      [1264, 1083, 1285, 1671, 796, 2037, 147, 1922, 1095, 327, 316, 939, 2041, 646, 260, 272],
    ]);
  });
});

describe('speakers', () => {
  it("are config.json's, in any case, Ethan by default; an unknown one is refused with the list", () => {
    expect([talker.speakerId(), talker.speakerId('Chelsie'), talker.speakerId('AIDEN')]).toEqual([2302, 2301, 2303]);
    expect(() => talker.speakerId('Bob')).toThrow(expect.objectContaining({ code: 'INVALID_REQUEST', message: 'unknown speaker "Bob"; this model speaks as aiden, chelsie, ethan' }));
  });
});
