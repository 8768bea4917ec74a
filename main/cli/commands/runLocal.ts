/**
 * `omnidesk run <bundle-dir> …`: one user turn through the runtime (cli-contract.md). The reply streams to stdout as
 * it is decoded while the talker speaks it (omni/speechTurn.ts); `--out` keeps the speech as a 24 kHz mono WAV.
 * Progress, the execution provider and timings go to stderr. Ctrl-C stops thinker, talker and vocoder within a step;
 * the speech delivered until then is still written.
 */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { OmniError } from '../../engine/errors';
import { homePaths, resolveHome } from '../../engine/home';
import type { TurnEvent } from '../../engine/omni/conversation';
import { OmniRuntime } from '../../engine/omni/omniRuntime';
import { Speech, type SpokenTurnEvent, type SpokenTurnRequest } from '../../engine/omni/speechTurn';
import type { ProcessRequest } from '../../engine/processor/processor';
import { npyArray, writeNpy } from '../../engine/runtime/npy';
import type { Io } from '../output';
import { writeProcessorDumps } from './preprocess';
import {
  type DeliveredSpeech,
  ReplyOutput,
  seconds,
  speechReport,
  stoppedByCtrlC,
  type TurnSettings,
  writeReplyWav,
  writeResultDump,
} from './turnOutput';

export interface LocalRunOptions extends TurnSettings {
  bundleDir: string;
  request: ProcessRequest;
  home?: string;
}

type Done = Extract<TurnEvent, { type: 'done' }>;
type SpeechDone = Extract<SpokenTurnEvent, { type: 'speech-done' }>;

/** What the turn said aloud: how the talker ended, and the samples delivered. */
interface Spoken {
  done: SpeechDone;
  delivered: DeliveredSpeech;
}

const rate = (tokens: number, ms: number) => (ms > 0 ? `${((tokens * 1000) / ms).toFixed(1)} tokens/s` : '—');

export async function runLocal(io: Io, options: LocalRunOptions): Promise<void> {
  const loadStart = performance.now();
  io.err(`Loading ${options.bundleDir}\n`);
  const omni = await OmniRuntime.open(options.bundleDir, { stateDir: homePaths(resolveHome(options.home)).state });
  try {
    const speaks = options.speech && omni.bundle.manifest.graphs.talker !== undefined;
    if (options.speech && !speaks) {
      if (options.out !== undefined) throw new OmniError('INVALID_REQUEST', `cannot write ${options.out}: this model has no speech output`, 'Run with --no-speech for a text reply.');
      io.err('This model has no speech output: replying in text only.\n');
    }
    const speech = speaks ? await Speech.open(omni) : undefined;
    const report = omni.providerReport();
    io.err(`Execution provider: ${report.provider} (${report.reasons.join('; ')}); loaded in ${seconds(performance.now() - loadStart)}\n`);

    const controller = new AbortController();
    const request: SpokenTurnRequest = {
      ...options.request,
      ...(options.greedy && { sampling: { doSample: false } }),
      seed: options.seed,
      maxNewTokens: options.maxNewTokens,
      signal: controller.signal,
      speech: { speaker: options.speaker, maxFrames: options.maxFrames, ...(options.greedy && { doSample: false }) },
    };
    const conversation = omni.conversation();
    const reply = new ReplyOutput(io);
    const started = performance.now();
    const { done, speechDone } = await stoppedByCtrlC(
      () => controller.abort(),
      async () => {
        let done: Done | undefined;
        let speechDone: SpeechDone | undefined;
        for await (const event of speech ? speech.turn(conversation, request) : conversation.send(request)) {
          if (event.type === 'text-delta') reply.text(event.text);
          else if (event.type === 'done') done = event;
          else if (event.type === 'audio') reply.speech(event.samples);
          else if (event.type === 'speech-done') speechDone = event;
        }
        return { done, speechDone };
      },
    );
    if (!done) throw new Error('run: the turn ended without a result');
    reply.end();
    const t = done.timings;
    io.err(
      `${done.tokenIds.length} tokens (${done.stopReason}); prompt ${done.prompt.inputIds.length} tokens, prefill ${rate(t.prefillTokens, t.prefillMs)}, ` +
        `decode ${rate(t.decodeTokens, t.decodeMs)}; first token after ${seconds(t.firstTokenMs)}\n`,
    );
    const spoken: Spoken | undefined = speechDone && speech && { done: speechDone, delivered: reply.delivered(speech.code2wav.settings.samplesPerFrame) };
    if (spoken) {
      const s = spoken.done.timings;
      const firstAudio = `${seconds(s.firstAudioMs)} (${s.framesBeforeFirstAudio} frames)`;
      io.err(speechReport(spoken.delivered, firstAudio, performance.now() - started, spoken.done.stopReason));
      await writeReplyWav(io, options.out, spoken.delivered);
    }
    if (options.dump) {
      await writeDump(options.dump, done, spoken);
      io.err(`Wrote the dump files to ${options.dump}\n`);
    }
  } finally {
    await omni.release();
  }
}

/** The processor's dumps, the generated ids, the codes and waveform actually vocoded (with speech), and result.json. */
async function writeDump(dir: string, done: Done, spoken: Spoken | undefined): Promise<void> {
  await writeProcessorDumps(dir, done.prompt);
  await writeNpy(path.join(dir, 'thinker_token_ids.npy'), npyArray('int64', [done.tokenIds.length], BigInt64Array.from(done.tokenIds, BigInt)));
  const codesFile = path.join(dir, 'codes.npy');
  if (spoken) {
    const { frames } = spoken.delivered;
    const codes = spoken.done.codes;
    const groups = codes[0]?.length ?? 0;
    const data = new BigInt64Array(groups * frames);
    for (let t = 0; t < frames; t++) for (let g = 0; g < groups; g++) data[g * frames + t] = BigInt(codes[t][g]);
    await writeNpy(codesFile, npyArray('int64', [groups, frames], data));
  } else {
    await rm(codesFile, { force: true });
  }
  const timings = { ...done.timings, ...(spoken && { speech: spoken.done.timings }) };
  await writeResultDump(dir, { text: done.text, thinkerTokenIds: done.tokenIds, timings }, spoken?.delivered);
}
