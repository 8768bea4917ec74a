import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { goldenCaseNames, goldenProcessRequest, loadGoldenCase, type GoldenCase } from '../testing/fixtures';
import { assertClose, assertExact } from '../testing/parity';
import { buildTinyBundle, CPU_ONLY } from '../testing/tinyBundle';
import { wrappingSessionFactory } from '../testing/wrapSessions';
import { OmniRuntime } from './omniRuntime';
import { Speech, type SpokenTurnEvent, type SpokenTurnRequest } from './speechTurn';

const scratch = mkdtempSync(path.join(os.tmpdir(), 'omnidesk-speech-turn-'));
let omni: OmniRuntime;
let speech: Speech;

/** Every graph run in order: its graph, and whether the signal under watch was aborted when it started. */
const runs: { graph: string; afterAbort: boolean }[] = [];
const seam = { watch: undefined as AbortSignal | undefined, inFlight: 0, thinkerDelayMs: 0, thinkerEosFirst: false };
beforeAll(async () => {
  const sessionFactory = wrappingSessionFactory(async (graph, run) => {
    runs.push({ graph, afterAbort: seam.watch?.aborted ?? false });
    seam.inFlight++;
    try {
      if (graph === 'thinker' && seam.thinkerDelayMs > 0) await sleep(seam.thinkerDelayMs);
      const outputs = await run();
      if (graph === 'thinker' && seam.thinkerEosFirst) (outputs.logits.data as Float32Array)[omni.thinker.settings.eosTokenId] = 1e4;
      return outputs;
    } finally {
      seam.inFlight--;
    }
  });
  omni = await OmniRuntime.open(await buildTinyBundle(scratch), { stateDir: scratch, providers: CPU_ONLY, sessionFactory });
  speech = await Speech.open(omni);
});
afterAll(async () => {
  await omni?.release();
  rmSync(scratch, { recursive: true, force: true });
});

type Event<T extends SpokenTurnEvent['type']> = Extract<SpokenTurnEvent, { type: T }>;

async function spoken(request: SpokenTurnRequest, onEvent?: (event: SpokenTurnEvent, index: number) => void) {
  const events: SpokenTurnEvent[] = [];
  for await (const event of speech.turn(omni.conversation(), request)) {
    events.push(event);
    onEvent?.(event, events.length - 1);
  }
  const audio = events.filter((e): e is Event<'audio'> => e.type === 'audio');
  const samples = new Float32Array(audio.reduce((n, a) => n + a.samples.length, 0));
  for (const a of audio) samples.set(a.samples, a.offset);
  const done = events.find((e): e is Event<'done'> => e.type === 'done')!;
  const speechDone = events.at(-1) as Event<'speech-done'>;
  expect(speechDone.type).toBe('speech-done');
  return { events, audio, samples, done, speechDone };
}

/** The case as transformers' generate(return_audio=True, thinker_do_sample=False, talker_do_sample=False) ran it. */
const greedyRequest = (c: GoldenCase): SpokenTurnRequest => ({
  ...goldenProcessRequest(c),
  sampling: { doSample: false },
  maxNewTokens: c.info.generation.thinker_max_new_tokens,
  speech: { speaker: c.info.generation.speaker, doSample: false, maxFrames: c.info.generation.talker_max_new_tokens - 1 },
});

const groupMajor = (frames: readonly (readonly number[])[]) => BigInt64Array.from({ length: frames.length * 16 }, (_, i) => BigInt(frames[i % frames.length][Math.floor(i / frames.length)]));

const figures: string[] = [];
afterAll(() => console.info(`spoken turns vs transformers (codes, waveform max |diff|, correlation):\n${figures.join('\n')}`));

describe('a spoken turn end to end — processor, encoders, thinker, talker, code predictor, Code2Wav — greedy, against transformers', () => {
  for (const name of goldenCaseNames()) {
    it(`${name}: the same text, codes and waveform`, async () => {
      const c = loadGoldenCase(name);
      const { audio, samples, done, speechDone } = await spoken(greedyRequest(c));
      expect(done.tokenIds).toEqual(Array.from(c.array('thinker_token_ids', 'int64').data, Number));
      assertExact(`${name} codes`, c.array('codes', 'int64'), { data: groupMajor(speechDone.codes), shape: [16, speechDone.codes.length] });
      const stats = assertClose(`${name} waveform`, c.array('waveform', 'float32').data, samples, { atol: 1e-4, minCorrelation: 0.999 });
      figures.push(`  ${name}: ${speechDone.codes.length} frames identical, ${stats.maxAbs.toExponential(2)}, 1 − ${(1 - stats.correlation).toExponential(1)}`);
      expect(speechDone).toMatchObject({ stopReason: 'max-frames', samplesDelivered: c.info.waveform_samples, timings: { framesBeforeFirstAudio: 2 } });
      // The stream's chunks: 1, 2, 4 frames, then the rest (the last 555 samples of a one pass never exist).
      expect(audio.map((a) => a.samples.length)).toEqual([1920, 3840, 7680, 4 * 1920 + 1365]);
    });
  }
});

describe('the thinker and the talker run concurrently', () => {
  const c = loadGoldenCase('text');

  it('the talker starts while the thinker is still decoding', async () => {
    runs.length = 0;
    seam.thinkerDelayMs = 2;
    try {
      await spoken({ ...greedyRequest(c), maxNewTokens: 24 });
    } finally {
      seam.thinkerDelayMs = 0;
    }
    const graphs = runs.map((r) => r.graph);
    expect(graphs.indexOf('talker')).toBeLessThan(graphs.lastIndexOf('thinker'));
    // The vocoder streams through the bundle's split graphs: the transformer once per frame, the decoder per chunk.
    expect(graphs).not.toContain('code2wav');
    expect(graphs.indexOf('code2wav_decoder')).toBeGreaterThan(-1);
    expect(graphs.indexOf('code2wav_decoder')).toBeLessThan(graphs.lastIndexOf('thinker'));
  });

  it('a slow thinker: the talker waits for each word and speaks exactly as before', async () => {
    seam.thinkerDelayMs = 25;
    try {
      const { speechDone } = await spoken(greedyRequest(c));
      assertExact('codes', c.array('codes', 'int64'), { data: groupMajor(speechDone.codes), shape: [16, speechDone.codes.length] });
      expect(speechDone.timings.talker.textWaitMs).toBeGreaterThan(0);
    } finally {
      seam.thinkerDelayMs = 0;
    }
  });
});

describe('interruption', () => {
  const c = loadGoldenCase('text');

  it('a cancel mid-speech stops thinker, talker and vocoder within one step and reports the samples delivered', async () => {
    const controller = new AbortController();
    seam.watch = controller.signal;
    seam.thinkerDelayMs = 3;
    runs.length = 0;
    let inFlightAtAbort = -1;
    let abortedAt = -1;
    try {
      const { events, done, speechDone } = await spoken({ ...greedyRequest(c), maxNewTokens: 200, speech: { doSample: false, maxFrames: 100 }, signal: controller.signal }, (event, index) => {
        if (event.type === 'audio' && abortedAt < 0 && event.offset > 0) {
          controller.abort();
          abortedAt = index;
          inFlightAtAbort = seam.inFlight;
        }
      });
      expect(abortedAt).toBeGreaterThan(0);
      // No graph run started after the abort; only the runs in flight then (at most one per component) finished.
      expect(runs.filter((r) => r.afterAbort)).toEqual([]);
      expect(inFlightAtAbort).toBeLessThanOrEqual(3);
      expect(events.slice(abortedAt + 1).filter((e) => e.type === 'audio')).toEqual([]);
      expect(done.stopReason).toBe('cancelled');
      const delivered = events.filter((e): e is Event<'audio'> => e.type === 'audio').reduce((n, a) => n + a.samples.length, 0);
      expect(speechDone).toMatchObject({ stopReason: 'cancelled', samplesDelivered: delivered });
      expect(delivered).toBe(1920 + 3840);
    } finally {
      seam.watch = undefined;
      seam.thinkerDelayMs = 0;
    }
  });

  it('a caller that stops iterating stops everything before the iterator returns', async () => {
    runs.length = 0;
    const turn = speech.turn(omni.conversation(), { ...greedyRequest(c), maxNewTokens: 200, speech: { doSample: false, maxFrames: 100 } });
    for await (const event of turn) if (event.type === 'audio') break;
    const after = runs.length;
    await sleep(50);
    expect(runs.length).toBe(after);
  });

  it('an abort before the turn starts runs nothing and delivers nothing', async () => {
    runs.length = 0;
    const { audio, speechDone } = await spoken({ ...greedyRequest(c), signal: AbortSignal.abort() });
    expect(audio).toEqual([]);
    expect(speechDone).toMatchObject({ stopReason: 'cancelled', samplesDelivered: 0, codes: [] });
    expect(runs).toEqual([]);
  });
});

describe('turns without speech to give', () => {
  const c = loadGoldenCase('text');

  it('an unknown speaker is refused before anything runs, naming the voices', async () => {
    expect(speech.speakers).toEqual(['aiden', 'chelsie', 'ethan']);
    runs.length = 0;
    await expect(spoken({ ...greedyRequest(c), speech: { speaker: 'Nobody' } })).rejects.toMatchObject({ code: 'INVALID_REQUEST', message: expect.stringContaining('aiden, chelsie, ethan') });
    expect(runs).toEqual([]);
  });

  it('a reply that is only <|im_end|> is silent: no talker run', async () => {
    runs.length = 0;
    seam.thinkerEosFirst = true;
    try {
      const { audio, done, speechDone } = await spoken(greedyRequest(c));
      expect(done).toMatchObject({ stopReason: 'eos', tokenIds: [omni.thinker.settings.eosTokenId] });
      expect(audio).toEqual([]);
      expect(speechDone).toMatchObject({ stopReason: 'silent', samplesDelivered: 0, codes: [] });
      expect(runs.map((r) => r.graph)).not.toContain('talker');
    } finally {
      seam.thinkerEosFirst = false;
    }
  });
});
