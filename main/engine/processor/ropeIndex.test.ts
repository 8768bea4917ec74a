import { describe, expect, it } from 'vitest';
import { goldenCaseNames, loadGoldenCase, TINY_CHECKPOINT_DIR, type GoldenCase } from '../testing/fixtures';
import { assertExact } from '../testing/parity';
import { expansionCases as cases } from './__fixtures__/expansionAndRope';
import { audioTokenCount } from './audio/audioTokens';
import { loadModelConfig, type RopeConfig } from './config';
import { decodePositionIds, ropeIndex } from './ropeIndex';

// Synthetic cases run through transformers 5.18 (__fixtures__/generate.py).
const config: RopeConfig = {
  imageTokenId: 151655,
  videoTokenId: 151656,
  audioTokenId: 151675,
  visionStartTokenId: 151652,
  audioStartTokenId: 151669,
  positionIdPerSeconds: 13,
  spatialMergeSize: 2,
};
const [VS, VE, IMG, VID, AS, AE, AUD] = [151652, 151653, 151655, 151656, 151669, 151670, 151675];
const USER = [151644, 872, 198]; // <|im_start|>user\n
const repeat = (token: number, n: number) => Array<number>(n).fill(token);
const rows = (positionIds: Float64Array, length: number) => [0, 1, 2].map((r) => Array.from(positionIds.subarray(r * length, (r + 1) * length)));

describe('rope index, the verified examples of qwen3-omni.md §7.1', () => {
  it('image grid (1,4,4) then a 100-frame audio: the 2×2 image block, then text from max+1, delta −2', () => {
    const ids = [...USER, VS, ...repeat(IMG, 4), VE, AS, ...repeat(AUD, 13), AE, 9707];
    const { positionIds, ropeDelta } = ropeIndex(ids, { config, imageGridThw: [[1, 4, 4]], audioTokenCounts: [13] });
    const [t, h, w] = rows(positionIds, ids.length);
    const audioAndAfter = Array.from({ length: 16 }, (_, k) => 7 + k);
    expect(t).toEqual([0, 1, 2, 3, 4, 4, 4, 4, 6, ...audioAndAfter]);
    expect(h).toEqual([0, 1, 2, 3, 4, 4, 5, 5, 6, ...audioAndAfter]);
    expect(w).toEqual([0, 1, 2, 3, 4, 5, 4, 5, 6, ...audioAndAfter]);
    expect(ropeDelta).toBe(-2);
  });

  it('audio in video, grid (4,4,4) at 1 s per grid with 52 audio tokens: T of the groups at s+0, 13, 26, 39; delta −16', () => {
    const interleaved = [0, 1, 2, 3].flatMap(() => [...repeat(VID, 4), ...repeat(AUD, 13)]);
    const ids = [...USER, VS, AS, ...interleaved, AE, VE, ...repeat(9707, 5)];
    expect(ids).toHaveLength(80);
    const { positionIds, ropeDelta } = ropeIndex(ids, {
      config,
      videoGridThw: [[4, 4, 4]],
      secondPerGrids: [1],
      audioTokenCounts: [52],
      useAudioInVideo: true,
    });
    const [t] = rows(positionIds, ids.length);
    const s = 5;
    const videoT = ids.flatMap((id, i) => (id === VID ? [t[i]] : []));
    expect([...new Set(videoT)]).toEqual([s, s + 13, s + 26, s + 39]);
    expect(ids.flatMap((id, i) => (id === AUD ? [t[i]] : []))).toEqual(Array.from({ length: 52 }, (_, j) => s + j));
    expect(ropeDelta).toBe(-16);
  });
});

describe.each(cases.map((c) => [c.name, c] as const))('rope index vs transformers: %s', (_name, c) => {
  it('gives the same position ids (float32 values) and rope delta', () => {
    const { positionIds, ropeDelta } = ropeIndex(c.inputIds, {
      config,
      imageGridThw: c.imageGridThw,
      videoGridThw: c.videoGridThw,
      secondPerGrids: c.videoSecondPerGrid,
      audioTokenCounts: c.audioTokenCounts,
      useAudioInVideo: c.useAudioInVideo,
    });
    expect(rows(positionIds, c.inputIds.length)).toEqual(c.positionIds);
    expect(ropeDelta).toBe(c.ropeDelta);
  });
});

describe('rope index details', () => {
  it('places the end tokens of an audio-in-video item after the last appended block, not after the item maximum', () => {
    const quirk = cases.find((c) => c.name === 'audio_in_video_last_block_quirk')!;
    const { positionIds } = ropeIndex(quirk.inputIds, {
      config,
      videoGridThw: quirk.videoGridThw,
      secondPerGrids: quirk.videoSecondPerGrid,
      audioTokenCounts: quirk.audioTokenCounts,
      useAudioInVideo: true,
    });
    const [, h] = rows(positionIds, quirk.inputIds.length);
    const audioEnd = quirk.inputIds.indexOf(AE);
    const s = 5;
    expect(Math.max(...h.slice(0, audioEnd))).toBe(s + 23); // 24 merged rows of the 48×48 grid
    expect(h[audioEnd - 1]).toBe(s + 19); // the audio tail: 20 tokens
    expect(h[audioEnd]).toBe(s + 20);
  });

  it('rounds fractional video times like float32 torch: 1.2 s per grid puts the second group at 4 + 15.6', () => {
    const c = cases.find((x) => x.name === 'video_fractional_seconds')!;
    const { positionIds } = ropeIndex(c.inputIds, { config, videoGridThw: c.videoGridThw, secondPerGrids: c.videoSecondPerGrid });
    const t = positionIds[c.inputIds.lastIndexOf(VID)];
    expect(t).toBe(Math.fround(4 + Math.fround(Math.fround(1 * Math.fround(1.2)) * 13)));
    expect(t).not.toBe(19.6);
  });

  it('numbers a prompt without image or video grids 0..S-1 on every axis', () => {
    const ids = [...USER, AS, ...repeat(AUD, 3), AE, 9707];
    const { positionIds, ropeDelta } = ropeIndex(ids, { config, audioTokenCounts: [3] });
    expect(rows(positionIds, ids.length)).toEqual([0, 1, 2].map(() => ids.map((_, i) => i)));
    expect(ropeDelta).toBe(0);
  });

  it('says which media the prompt has more of than were given', () => {
    const ids = [...USER, VS, ...repeat(IMG, 4), VE, VS, ...repeat(IMG, 4), VE];
    expect(() => ropeIndex(ids, { config, imageGridThw: [[1, 4, 4]] })).toThrow('the prompt has more images than were given');
  });
});

function goldenGrids(golden: GoldenCase, name: string): number[][] {
  if (!golden.has(name)) return [];
  const flat = Array.from(golden.array(name, 'int64').data, Number);
  return Array.from({ length: flat.length / 3 }, (_, i) => flat.slice(3 * i, 3 * i + 3));
}

function goldenAudioTokenCounts(golden: GoldenCase): number[] {
  if (!golden.has('feature_attention_mask')) return [];
  const { data, shape } = golden.array('feature_attention_mask', 'int32');
  return Array.from({ length: shape[0] }, (_, i) => audioTokenCount(data.subarray(i * shape[1], (i + 1) * shape[1]).reduce((a, b) => a + b, 0)));
}

describe.each(goldenCaseNames())('talker rope index vs golden case %s', (name) => {
  it("equals transformers' talker positions: the talker config on the talker ids, audio in video passed as off", () => {
    // generate() forwards grids, seconds per grid and audio lengths to the talker but not use_audio_in_video.
    const golden = loadGoldenCase(name);
    const ids = golden.array('talker_input_ids', 'int64').data;
    const { positionIds, ropeDelta } = ropeIndex(ids, {
      config: loadModelConfig(TINY_CHECKPOINT_DIR).talker!,
      imageGridThw: goldenGrids(golden, 'image_grid_thw'),
      videoGridThw: goldenGrids(golden, 'video_grid_thw'),
      secondPerGrids: golden.has('video_second_per_grid') ? Array.from(golden.array('video_second_per_grid', 'float32').data) : [],
      audioTokenCounts: goldenAudioTokenCounts(golden),
      useAudioInVideo: false,
    });
    assertExact(`${name} talker_position_ids`, golden.array('talker_position_ids'), { data: positionIds, shape: [3, ids.length] });
    assertExact(`${name} talker_rope_delta`, golden.array('talker_rope_delta'), [ropeDelta]);
  });
});

describe('decode positions (§7.2)', () => {
  it('puts cache index p at p + delta on all three axes', () => {
    expect(Array.from(decodePositionIds(80, 2, -16))).toEqual([64, 65, 64, 65, 64, 65]);
  });

  it('keeps a fractional delta in float32', () => {
    const delta = Math.fround(4.6);
    expect(decodePositionIds(25, 1, delta)[0]).toBe(Math.fround(25 + delta));
  });
});
