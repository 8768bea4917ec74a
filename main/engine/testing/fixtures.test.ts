import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { elementCount, toNumberArray } from '../runtime/npy';
import {
  FIXTURES_DIR,
  TINY_CHECKPOINT_DIR,
  goldenCaseNames,
  loadGoldenCase,
  loadGoldenIndex,
  mediaPath,
} from './fixtures';
import { assertExact, compareExact } from './parity';

// Token ids of the real checkpoint (qwen3-omni.md §1).
const AUDIO_PAD = 151675n;
const IMAGE_PAD = 151655n;
const VIDEO_PAD = 151656n;
const IM_START = 151644n;

const rows = (data: ArrayLike<number>, width: number, picks: number[]) => {
  const out = new Float32Array(picks.length * width);
  picks.forEach((r, i) => {
    for (let c = 0; c < width; c++) out[i * width + c] = data[r * width + c];
  });
  return out;
};

describe('fixture layout', () => {
  it('has the nine golden cases the oracle promises', () => {
    expect(goldenCaseNames()).toEqual([
      'text', 'audio', 'image', 'images_audio', 'video', 'video_audio', 'long_audio', 'system', 'two_turn',
    ]);
    expect(loadGoldenIndex().generation).toMatchObject({ thinker_do_sample: false, talker_do_sample: false, speaker: 'Ethan' });
  });

  it('has the tiny checkpoint in Hugging Face snapshot layout with the real ids', () => {
    for (const f of ['config.json', 'generation_config.json', 'model.safetensors', 'vocab.json', 'merges.txt',
      'tokenizer_config.json', 'preprocessor_config.json']) {
      expect(existsSync(path.join(TINY_CHECKPOINT_DIR, f)), f).toBe(true);
    }
    const cfg = JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'config.json'), 'utf8'));
    expect(cfg.thinker_config).toMatchObject({
      audio_token_id: 151675, audio_start_token_id: 151669, audio_end_token_id: 151670, image_token_id: 151655,
      video_token_id: 151656, vision_start_token_id: 151652, vision_end_token_id: 151653, position_id_per_seconds: 13,
    });
    expect(cfg.thinker_config.text_config.vocab_size).toBe(152064);
    expect(cfg.talker_config).toMatchObject({
      num_code_groups: 16, codec_pad_id: 2148, codec_bos_id: 2149, codec_eos_token_id: 2150, codec_nothink_id: 2155,
      codec_think_bos_id: 2156, codec_think_eos_id: 2157, speaker_id: { chelsie: 2301, ethan: 2302, aiden: 2303 },
    });
    expect(cfg.talker_config.text_config.vocab_size).toBe(3072);
    expect(cfg.talker_config.code_predictor_config.vocab_size).toBe(2048);
    expect(cfg).toMatchObject({ tts_pad_token_id: 151671, tts_bos_token_id: 151672, tts_eos_token_id: 151673 });
    const rope = cfg.thinker_config.text_config.rope_parameters;
    expect(rope.mrope_section.reduce((a: number, b: number) => a + b, 0) * 2).toBe(cfg.thinker_config.text_config.head_dim);
    const tok = JSON.parse(readFileSync(path.join(TINY_CHECKPOINT_DIR, 'tokenizer_config.json'), 'utf8'));
    expect(tok.added_tokens_decoder['151675'].content).toBe('<|audio_pad|>');
    expect(tok.added_tokens_decoder['151669'].content).toBe('<|audio_start|>');
    expect(tok.chat_template).toContain('<|im_start|>');
  });

  it('matches SHA256SUMS for every fixture file', () => {
    const lines = readFileSync(path.join(FIXTURES_DIR, 'SHA256SUMS'), 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(200);
    for (const line of lines) {
      const [hash, rel] = line.split(/ {2}/);
      const digest = createHash('sha256').update(readFileSync(path.join(FIXTURES_DIR, rel))).digest('hex');
      expect(digest, rel).toBe(hash);
    }
  });

  it('names the missing array and lists the available ones', () => {
    expect(() => loadGoldenCase('text').array('pixel_values')).toThrow(/golden case 'text' has no array 'pixel_values' \(it has: input_ids, /);
    expect(() => loadGoldenCase('no_such_case')).toThrow(/no_such_case.*case\.json is missing/);
  });
});

describe.each(goldenCaseNames())('golden case %s', (name) => {
  const c = loadGoldenCase(name);
  const info = c.info;

  it('loads every listed array with the declared dtype and shape', () => {
    expect(info.arrays.length).toBeGreaterThan(15);
    for (const a of info.arrays) {
      const arr = c.array(a.name);
      expect(arr.dtype, a.name).toBe(a.dtype);
      expect(arr.shape, a.name).toEqual(a.shape);
      expect(arr.data.length, a.name).toBe(elementCount(a.shape));
      if (arr.dtype === 'float32') expect(arr.data.every(Number.isFinite), `${a.name} finite`).toBe(true);
    }
  });

  it('references media that exist', () => {
    for (const m of [...info.audio, ...info.images, ...info.videos]) expect(existsSync(mediaPath(m.source)), m.source).toBe(true);
  });

  it('is self-consistent: ids, positions, features and encoder outputs', () => {
    const ids = c.array('input_ids', 'int64');
    const S = info.sequence_length;
    expect(ids.shape).toEqual([S]);
    expect(ids.data[0]).toBe(IM_START);
    expect(c.array('position_ids').shape).toEqual([3, S]);
    expect(c.array('rope_delta').shape).toEqual([1]);
    const pos = toNumberArray(c.array('position_ids'));
    const delta = toNumberArray(c.array('rope_delta'))[0];
    let maxPos = -Infinity;
    pos.forEach((p) => (maxPos = Math.max(maxPos, p)));
    expect(maxPos + 1 - S).toBeCloseTo(delta, 4);

    const count = (id: bigint) => ids.data.filter((v) => v === id).length;
    const embeds = c.array('thinker_inputs_embeds', 'float32');
    const hidden = embeds.shape[1];
    const slots = (id: bigint) => [...ids.data.keys()].filter((i) => ids.data[i] === id);

    if (info.audio.length) {
      const mask = c.array('feature_attention_mask');
      const feats = c.array('input_features', 'float32');
      expect(feats.shape).toEqual([info.audio.length, 128, mask.shape[1]]);
      const lengths = Array.from({ length: info.audio.length }, (_, i) =>
        toNumberArray(mask).subarray(i * mask.shape[1], (i + 1) * mask.shape[1]).reduce((a, b) => a + b, 0),
      );
      // qwen3-omni.md §2 step 7: the longest waveform has floor(n/160) valid frames, shorter (padded) ones ceil(n/160)
      const longest = Math.max(...info.audio.map((a) => a.samples_16k));
      info.audio.forEach((a, i) =>
        expect(lengths[i], a.source).toBe(
          a.samples_16k === longest ? Math.floor(a.samples_16k / 160) : Math.ceil(a.samples_16k / 160),
        ),
      );
      // qwen3-omni.md §3.1: 13 tokens per 100 frames + the conv lengths of the remainder
      const tokens = (L: number) => {
        const r = L % 100;
        const a = Math.floor((r - 1) / 2) + 1;
        const b = Math.floor((a - 1) / 2) + 1;
        return Math.floor((b - 1) / 2) + 1 + 13 * Math.floor(L / 100);
      };
      const total = lengths.reduce((s, L) => s + tokens(L), 0);
      const enc = c.array('audio_encoder_output', 'float32');
      expect(enc.shape).toEqual([total, hidden]);
      expect(count(AUDIO_PAD)).toBe(total);
      // the thinker's input embeddings hold the encoder output at the audio slots, in order
      assertExact('audio slots of thinker_inputs_embeds', enc, { data: rows(embeds.data, hidden, slots(AUDIO_PAD)), shape: enc.shape });
    } else {
      expect(c.has('input_features')).toBe(false);
    }

    const visualPad = info.images.length ? IMAGE_PAD : info.videos.length ? VIDEO_PAD : null;
    if (visualPad !== null) {
      const grid = toNumberArray(c.array(info.images.length ? 'image_grid_thw' : 'video_grid_thw'));
      const pixels = c.array(info.images.length ? 'pixel_values' : 'pixel_values_videos');
      let patches = 0;
      for (let i = 0; i < grid.length; i += 3) patches += grid[i] * grid[i + 1] * grid[i + 2];
      expect(pixels.shape).toEqual([patches, 1536]);
      const vis = c.array('vision_encoder_output', 'float32');
      expect(vis.shape).toEqual([patches / 4, hidden]);
      for (const k of [0, 1, 2]) expect(c.array(`deepstack_${k}`).shape).toEqual(vis.shape);
      expect(count(visualPad)).toBe(patches / 4);
      assertExact('visual slots of thinker_inputs_embeds', vis, { data: rows(embeds.data, hidden, slots(visualPad)), shape: vis.shape });
    }
    if (info.videos.length) {
      const v = info.videos[0];
      expect(v.sampled_frames).toBe(v.sampled_indices.length);
      expect(toNumberArray(c.array('video_second_per_grid'))[0]).toBeCloseTo(2 / v.sample_fps, 6);
    }
    if (name === 'text' || name === 'system') {
      // no media: all three M-RoPE rows are 0..S-1
      for (let r = 0; r < 3; r++) for (let i = 0; i < S; i++) expect(pos[r * S + i]).toBe(i);
    }
  });

  it('is self-consistent: generation, talker prompt, code predictor and waveforms', () => {
    const g = info.generation;
    const tokens = c.array('thinker_token_ids', 'int64');
    expect(tokens.shape).toEqual([info.thinker_tokens]);
    expect(info.thinker_tokens).toBeLessThanOrEqual(g.thinker_max_new_tokens);
    const codes = c.array('codes', 'int64');
    const T = info.frames;
    expect(codes.shape).toEqual([16, T]);
    expect(T).toBe(g.talker_max_new_tokens - 1); // no EOS within the limit: N - 1 frames (qwen3-omni.md §9.5)
    expect(codes.data.every((v) => v >= 0n && v < 2048n)).toBe(true);
    expect(c.array('waveform').shape).toEqual([1920 * T - 555]);
    const c2wCodes = c.array('code2wav_codes');
    expect(c.array('code2wav_waveform').shape).toEqual([1920 * c2wCodes.shape[1] - 555]);

    // frame 0 of generation is the stored code-predictor frame
    const frame = c.array('code_predictor_frame', 'int64');
    const column0 = BigInt64Array.from({ length: 16 }, (_, q) => codes.data[q * T]);
    expect(compareExact('code_predictor_frame', frame, column0).ok).toBe(true);
    expect(c.array('code_predictor_input').shape).toEqual([2, c.array('tts_pad_embed').shape[0]]);

    // talker prompt: user segments ++ 9 assistant rows whose rope ids are tts_pad
    const talkerIds = c.array('talker_input_ids', 'int64');
    const N = talkerIds.shape[0];
    expect(Array.from(talkerIds.data.subarray(N - 9))).toEqual(Array(9).fill(151671n));
    expect(c.array('talker_prefill_embeds').shape[0]).toBe(N);
    expect(c.array('talker_position_ids').shape).toEqual([3, N]);
    expect(c.array('talker_prefill_logits').shape).toEqual([3072]);
    // trailing text: g1 .. g_{G-2} and tts_eos when the thinker stops at its token limit
    expect(c.array('trailing_text_hidden').shape[0]).toBe(info.thinker_tokens - 1);
    expect(c.array('accept_hidden').shape[0]).toBe(info.sequence_length);
    expect(c.array('thinker_prefill_logits').shape).toEqual([152064]);
  });
});
