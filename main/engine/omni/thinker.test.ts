import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TokenSampler } from '../runtime/sampling/sampler';
import { TRANSFORMERS_SAMPLING_DEFAULTS } from '../runtime/sampling/generationConfig';
import { goldenCaseNames, loadGoldenCase, type GoldenCase } from '../testing/fixtures';
import { assertExact } from '../testing/parity';
import { buildTinyBundle, CPU_ONLY } from '../testing/tinyBundle';
import { scatterMedia, type MediaFeatures, type VisualFeatures } from './mediaScatter';
import { OmniRuntime } from './omniRuntime';
import type { ThinkerEvent, ThinkerPrompt, ThinkerResult } from './thinker';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-thinker-'));
let omni: OmniRuntime;
beforeAll(async () => {
  omni = await OmniRuntime.open(await buildTinyBundle(scratch), { stateDir: scratch, providers: CPU_ONLY });
});
afterAll(async () => {
  await omni?.release();
  rmSync(scratch, { recursive: true, force: true });
});

const greedy = () => new TokenSampler(TRANSFORMERS_SAMPLING_DEFAULTS);

/** transformers' encoder outputs of a case, as the runtime's encoders would give them. */
function goldenMedia(c: GoldenCase): MediaFeatures {
  const media: MediaFeatures = {};
  if (c.has('audio_encoder_output')) media.audio = c.array('audio_encoder_output', 'float32').data;
  if (c.has('vision_encoder_output')) {
    const layers = [0, 1, 2].map((k) => c.array(`deepstack_${k}`, 'float32').data);
    const deepstack = new Float32Array(layers.reduce((n, l) => n + l.length, 0));
    layers.forEach((l, k) => deepstack.set(l, k * l.length));
    const visual: VisualFeatures = { features: c.array('vision_encoder_output', 'float32').data, deepstack };
    media[c.has('image_grid_thw') ? 'image' : 'video'] = visual;
  }
  return media;
}

/** The case's prompt exactly as transformers' generate saw it. */
const goldenPrompt = (c: GoldenCase): ThinkerPrompt => ({
  inputIds: c.array('input_ids', 'int64').data,
  positionIds: c.array('position_ids', 'float32').data,
  ropeDelta: c.array('rope_delta', 'float32').data[0],
  media: goldenMedia(c),
});

async function collect(events: AsyncGenerator<ThinkerEvent>): Promise<{ tokens: number[]; result: ThinkerResult; acceptHidden?: Map<number, Float32Array> }> {
  const tokens: number[] = [];
  let acceptHidden: Map<number, Float32Array> | undefined;
  for await (const event of events) {
    if (event.type === 'done') return { tokens, result: event.result, acceptHidden };
    if (event.type === 'prefill') acceptHidden = event.acceptHidden;
    else tokens.push(event.id);
  }
  throw new Error('no done event');
}

describe('the multimodal scatter', () => {
  for (const name of goldenCaseNames().filter((n) => Object.keys(goldenMedia(loadGoldenCase(n))).length > 0)) {
    it(`${name}: token embeddings with transformers' encoder rows at the media slots are its inputs_embeds, exactly`, async () => {
      const c = loadGoldenCase(name);
      const ids = c.array('input_ids', 'int64').data;
      const embeds = await omni.thinker.embed(ids);
      const { hiddenSize, deepstackLayers, mediaTokens } = omni.thinker.settings;
      const deepstack = scatterMedia(ids, embeds, goldenMedia(c), mediaTokens, { hidden: hiddenSize, deepstackLayers });
      assertExact(`${name} thinker_inputs_embeds`, c.array('thinker_inputs_embeds', 'float32'), { data: embeds, shape: [ids.length, hiddenSize] });
      expect(deepstack !== undefined).toBe(c.has('deepstack_0'));
    });
  }
});

describe('greedy generation matches transformers (thinker_token_ids) for every golden case', () => {
  for (const name of goldenCaseNames()) {
    it(`${name}: from transformers' prompt and encoder outputs`, async () => {
      const c = loadGoldenCase(name);
      const cache = omni.thinker.createCache();
      const { tokens, result } = await collect(
        omni.thinker.generate(goldenPrompt(c), { cache, sampler: greedy(), maxNewTokens: c.info.generation.thinker_max_new_tokens }),
      );
      assertExact(`${name} thinker_token_ids`, c.array('thinker_token_ids', 'int64'), BigInt64Array.from(tokens, BigInt));
      expect(result.tokenIds).toEqual(tokens);
      expect(result.stopReason).toBe('max-tokens');
      // The last token is never fed back: the cache holds the prompt and all tokens but the last.
      expect(cache.length).toBe(c.info.sequence_length + tokens.length - 1);
      expect(result.timings).toMatchObject({ prefillTokens: c.info.sequence_length, decodeTokens: tokens.length - 1 });
    });
  }
});

describe('a prompt prefilled in chunks', () => {
  // 16 positions a run: every golden prompt but the shortest takes several, and images_audio's media straddle them.
  const chunked = { prefillChunk: 16 };
  for (const name of goldenCaseNames().filter((n) => loadGoldenCase(n).info.sequence_length > 16)) {
    it(`${name}: gives transformers' tokens, as one run does`, async () => {
      const c = loadGoldenCase(name);
      const cache = omni.thinker.createCache();
      const { tokens, result } = await collect(
        omni.thinker.generate(goldenPrompt(c), { cache, sampler: greedy(), maxNewTokens: c.info.generation.thinker_max_new_tokens, ...chunked }),
      );
      assertExact(`${name} thinker_token_ids`, c.array('thinker_token_ids', 'int64'), BigInt64Array.from(tokens, BigInt));
      expect(cache.length).toBe(c.info.sequence_length + tokens.length - 1);
      expect(result.timings.prefillTokens).toBe(c.info.sequence_length);
    });
  }

  it("reports the accept-layer rows of media slots in every chunk, as transformers' hidden states", async () => {
    const c = loadGoldenCase('images_audio');
    const { acceptHidden } = await collect(omni.thinker.generate(goldenPrompt(c), { cache: omni.thinker.createCache(), sampler: greedy(), maxNewTokens: 1, ...chunked }));
    const H = omni.thinker.settings.hiddenSize;
    const golden = c.array('accept_hidden', 'float32').data;
    expect(acceptHidden!.size).toBeGreaterThan(16);
    for (const [s, row] of acceptHidden!) row.forEach((v, i) => expect(Math.abs(v - golden[s * H + i])).toBeLessThan(1e-5));
  });

  it('stops between two chunks when cancelled, leaving the cache as it was before the prompt', async () => {
    const controller = new AbortController();
    const cache = omni.thinker.createCache();
    const update = cache.update.bind(cache);
    let updates = 0;
    cache.update = (out, n) => {
      update(out, n);
      updates++;
      controller.abort();
    };
    const c = loadGoldenCase('images_audio');
    const { tokens, result } = await collect(omni.thinker.generate(goldenPrompt(c), { cache, sampler: greedy(), maxNewTokens: 8, signal: controller.signal, ...chunked }));
    expect([tokens, result.stopReason, cache.length, updates]).toEqual([[], 'cancelled', 0, 1]);
  });
});

describe('accept-layer hidden states for the talker', () => {
  it("are reported after the prefill at every media slot, equal to transformers' hidden_states[accept_hidden_layer]", async () => {
    const c = loadGoldenCase('images_audio');
    const { acceptHidden } = await collect(omni.thinker.generate(goldenPrompt(c), { cache: omni.thinker.createCache(), sampler: greedy(), maxNewTokens: 1 }));
    const ids = Array.from(c.array('input_ids', 'int64').data, Number);
    const { audio, image, video } = omni.thinker.settings.mediaTokens;
    const slots = ids.flatMap((id, s) => ([audio, image, video].includes(id) ? [s] : []));
    expect([...acceptHidden!.keys()]).toEqual(slots);
    const H = omni.thinker.settings.hiddenSize;
    const golden = c.array('accept_hidden', 'float32').data;
    for (const s of slots) {
      const expected = golden.subarray(s * H, (s + 1) * H);
      acceptHidden!.get(s)!.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(1e-5));
    }
  });
});

describe('stopping', () => {
  it('stops after <|im_end|>, which is reported and not fed back', async () => {
    const c = loadGoldenCase('text');
    const golden = Array.from(c.array('thinker_token_ids', 'int64').data, Number);
    // The random tiny model never says <|im_end|>: its third token stands in for it.
    expect(omni.thinker.settings.eosTokenId).toBe(151645);
    const { tokens, result } = await collect(
      omni.thinker.generate(goldenPrompt(c), { cache: omni.thinker.createCache(), sampler: greedy(), maxNewTokens: 8, eosTokenId: golden[2] }),
    );
    expect(tokens).toEqual(golden.slice(0, 3));
    expect(result.stopReason).toBe('eos');
    expect(result.timings.decodeTokens).toBe(2);
  });
});

describe('cancellation within one token', () => {
  const c = loadGoldenCase('text');
  const golden = Array.from(c.array('thinker_token_ids', 'int64').data, Number);

  it('an abort while the consumer handles token k: exactly k tokens, no further decoder run', async () => {
    const controller = new AbortController();
    const events = omni.thinker.generate(goldenPrompt(c), { cache: omni.thinker.createCache(), sampler: greedy(), maxNewTokens: 8, signal: controller.signal });
    const tokens: number[] = [];
    let result: ThinkerResult | undefined;
    for await (const event of events) {
      if (event.type === 'done') result = event.result;
      else if (event.type === 'token' && tokens.push(event.id) === 3) controller.abort();
    }
    expect(tokens).toEqual(golden.slice(0, 3));
    expect(result).toMatchObject({ stopReason: 'cancelled', tokenIds: golden.slice(0, 3), timings: { decodeTokens: 2 } });
  });

  it('an abort while token k+1 is being computed: that token is dropped and nothing more runs', async () => {
    const controller = new AbortController();
    const sampler = greedy();
    let calls = 0;
    // The sampler runs right after each decoder run returns: abort there, mid-step, on the 4th token.
    const aborting = {
      next: (scores: Float32Array, history: ArrayLike<number>) => {
        if (++calls === 4) controller.abort();
        return sampler.next(scores, history);
      },
    };
    const { tokens, result } = await collect(
      omni.thinker.generate(goldenPrompt(c), { cache: omni.thinker.createCache(), sampler: aborting, maxNewTokens: 8, signal: controller.signal }),
    );
    expect(tokens).toEqual(golden.slice(0, 3));
    expect(result.stopReason).toBe('cancelled');
    expect(calls).toBe(4);
  });

  it('an abort before the turn starts runs nothing', async () => {
    const cache = omni.thinker.createCache();
    const { tokens, result } = await collect(omni.thinker.generate(goldenPrompt(c), { cache, sampler: greedy(), maxNewTokens: 8, signal: AbortSignal.abort() }));
    expect(tokens).toEqual([]);
    expect(result.stopReason).toBe('cancelled');
    expect(cache.length).toBe(0);
  });
});
