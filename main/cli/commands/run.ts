/**
 * `omnidesk run <bundle-dir> [inputs] [--speaker NAME] [--no-speech] [--greedy] [--max-new-tokens N] [--max-frames N]
 * [--out reply.wav] [--dump DIR] …`: one user turn through the runtime (cli-contract.md). The reply streams to stdout
 * as it is decoded while the talker speaks it (omni/speechTurn.ts); `--out` keeps the speech as a 24 kHz mono WAV.
 * Progress, the execution provider and timings go to stderr. Ctrl-C stops thinker, talker and vocoder within a step;
 * the speech delivered until then is still written.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OmniError } from '../../engine/errors';
import { homePaths, resolveHome } from '../../engine/home';
import type { TurnEvent } from '../../engine/omni/conversation';
import { OmniRuntime } from '../../engine/omni/omniRuntime';
import { SPEECH_SAMPLE_RATE } from '../../engine/omni/code2wav';
import { Speech, type SpokenTurnEvent, type SpokenTurnRequest } from '../../engine/omni/speechTurn';
import type { ProcessRequest } from '../../engine/processor/processor';
import { concatFloat32 } from '../../engine/runtime/float32';
import { npyArray, writeNpy } from '../../engine/runtime/npy';
import { encodeWav } from '../../store/wav';
import { homeOption, type Command } from '../command';
import { UsageError, type Io } from '../output';
import { turnInputOptions, turnInputs, videoBounds, writeProcessorDumps } from './preprocess';

const USAGE =
  'omnidesk run <bundle-dir> [inputs] [--speaker NAME] [--no-speech] [--greedy] [--max-new-tokens N] [--max-frames N] [--out reply.wav] [--dump DIR] [--seed N]';

export interface RunOptions {
  bundleDir: string;
  request: ProcessRequest;
  speech: boolean;
  speaker?: string;
  greedy: boolean;
  maxNewTokens?: number;
  maxFrames?: number;
  seed?: number;
  out?: string;
  dump?: string;
  home?: string;
}

type Done = Extract<TurnEvent, { type: 'done' }>;
type SpeechDone = Extract<SpokenTurnEvent, { type: 'speech-done' }>;

/** What the turn said aloud: the samples delivered and the frames they come from. */
interface Spoken {
  done: SpeechDone;
  samples: Float32Array;
  /** Frames whose samples were delivered (all of them unless interrupted). */
  frames: number;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (tokens: number, ms: number) => (ms > 0 ? `${((tokens * 1000) / ms).toFixed(1)} tokens/s` : '—');

async function runTurn(io: Io, options: RunOptions): Promise<void> {
  const loadStart = performance.now();
  io.err(`Loading ${options.bundleDir}\n`);
  const omni = await OmniRuntime.open(options.bundleDir, { stateDir: homePaths(resolveHome(options.home)).state });
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    const speaks = options.speech && omni.bundle.manifest.graphs.talker !== undefined;
    if (options.speech && !speaks) {
      if (options.out !== undefined) throw new OmniError('INVALID_REQUEST', `cannot write ${options.out}: this model has no speech output`, 'Run with --no-speech for a text reply.');
      io.err('This model has no speech output: replying in text only.\n');
    }
    const speech = speaks ? await Speech.open(omni) : undefined;
    const report = omni.providerReport();
    io.err(`Execution provider: ${report.provider} (${report.reasons.join('; ')}); loaded in ${seconds(performance.now() - loadStart)}\n`);

    const request: SpokenTurnRequest = {
      ...options.request,
      ...(options.greedy && { sampling: { doSample: false } }),
      seed: options.seed,
      maxNewTokens: options.maxNewTokens,
      signal: controller.signal,
      speech: { speaker: options.speaker, maxFrames: options.maxFrames, ...(options.greedy && { doSample: false }) },
    };
    const conversation = omni.conversation();
    const started = performance.now();
    let done: Done | undefined;
    let speechDone: SpeechDone | undefined;
    const audio: Float32Array[] = [];
    for await (const event of speech ? speech.turn(conversation, request) : conversation.send(request)) {
      if (event.type === 'text-delta') io.out(event.text);
      else if (event.type === 'done') done = event;
      else if (event.type === 'audio') audio.push(event.samples);
      else if (event.type === 'speech-done') speechDone = event;
    }
    if (!done) throw new Error('run: the turn ended without a result');
    io.out('\n');
    const t = done.timings;
    io.err(
      `${done.tokenIds.length} tokens (${done.stopReason}); prompt ${done.prompt.inputIds.length} tokens, prefill ${rate(t.prefillTokens, t.prefillMs)}, ` +
        `decode ${rate(t.decodeTokens, t.decodeMs)}; first token after ${seconds(t.firstTokenMs)}\n`,
    );
    const spoken = speechDone && speech && deliveredSpeech(speechDone, audio, speech.code2wav.settings.samplesPerFrame);
    if (spoken) {
      const s = spoken.done.timings;
      const duration = spoken.samples.length / SPEECH_SAMPLE_RATE;
      io.err(
        `${spoken.frames} codec frames (${spoken.done.stopReason}), ${duration.toFixed(2)} s of speech; first audio after ${seconds(s.firstAudioMs)} ` +
          `(${s.framesBeforeFirstAudio} frames); real-time factor ${duration > 0 ? ((performance.now() - started) / 1000 / duration).toFixed(2) : '—'}\n`,
      );
      if (options.out !== undefined) {
        await writeFile(options.out, encodeWav(spoken.samples, SPEECH_SAMPLE_RATE));
        io.err(`Wrote ${options.out}\n`);
      } else io.err('The speech is not kept: give --out reply.wav to write it.\n');
    }
    if (options.dump) {
      await writeDump(options.dump, done, spoken);
      io.err(`Wrote the dump files to ${options.dump}\n`);
    }
  } finally {
    process.off('SIGINT', interrupt);
    await omni.release();
  }
}

/** The delivered samples in one array, and the frames they cover (an interrupted turn delivers whole frames). */
function deliveredSpeech(done: SpeechDone, audio: readonly Float32Array[], samplesPerFrame: number): Spoken {
  const samples = concatFloat32(audio);
  return { done, samples, frames: Math.ceil(samples.length / samplesPerFrame) };
}

/** The processor's dumps, the generated ids, the codes and waveform actually vocoded (with speech), and result.json. */
async function writeDump(dir: string, done: Done, spoken: Spoken | undefined): Promise<void> {
  await writeProcessorDumps(dir, done.prompt);
  await writeNpy(path.join(dir, 'thinker_token_ids.npy'), npyArray('int64', [done.tokenIds.length], BigInt64Array.from(done.tokenIds, BigInt)));
  if (spoken) {
    const { frames } = spoken;
    const codes = spoken.done.codes;
    const groups = codes[0]?.length ?? 0;
    const data = new BigInt64Array(groups * frames);
    for (let t = 0; t < frames; t++) for (let g = 0; g < groups; g++) data[g * frames + t] = BigInt(codes[t][g]);
    await writeNpy(path.join(dir, 'codes.npy'), npyArray('int64', [groups, frames], data));
    await writeNpy(path.join(dir, 'waveform.npy'), npyArray('float32', [spoken.samples.length], spoken.samples));
  } else {
    for (const stale of ['codes.npy', 'waveform.npy']) await rm(path.join(dir, stale), { force: true });
  }
  const result = {
    text: done.text,
    thinkerTokenIds: done.tokenIds,
    frames: spoken?.frames ?? 0,
    sampleRate: SPEECH_SAMPLE_RATE,
    timings: { ...done.timings, ...(spoken && { speech: spoken.done.timings }) },
  };
  await writeFile(path.join(dir, 'result.json'), `${JSON.stringify(result, null, 2)}\n`);
}

function positiveInteger(value: unknown, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`run: ${option} takes a positive whole number`);
  return n;
}

export const runCommand: Command = {
  usage: USAGE,
  summary:
    'Answer one user turn with a bundle, streaming the reply to stdout while it is spoken; inputs as for preprocess (--audio/--image/--video FILE, ' +
    '--text/--system TEXT, --use-audio-in-video); --speaker picks a voice (default Ethan); --out FILE writes the speech as a 24 kHz WAV; ' +
    '--max-frames N caps it at N codec frames (80 ms each); --greedy decodes as transformers with do_sample false; --dump DIR writes the tensors and result.json',
  options: {
    ...turnInputOptions,
    ...homeOption,
    speaker: { type: 'string' },
    'no-speech': { type: 'boolean', default: false },
    greedy: { type: 'boolean', default: false },
    'max-new-tokens': { type: 'string' },
    'max-frames': { type: 'string' },
    out: { type: 'string' },
    dump: { type: 'string' },
    seed: { type: 'string' },
  },
  positionals: 1,
  run: (io, values, [bundleDir], tokens) => {
    if (bundleDir === undefined) throw new UsageError(`run: give the bundle directory (usage: ${USAGE})`);
    const inputs = turnInputs(tokens);
    if (!inputs.some((input) => input.kind !== 'system')) throw new UsageError('run: give at least one of --text, --audio, --image or --video');
    const seed = values.seed === undefined ? undefined : Number(values.seed);
    if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError('run: --seed takes a whole number');
    return runTurn(io, {
      bundleDir,
      request: {
        inputs,
        useAudioInVideo: values['use-audio-in-video'] === true,
        videoBounds: videoBounds(values['video-min-pixels'], values['video-max-pixels'], 'run'),
      },
      speech: values['no-speech'] !== true,
      speaker: values.speaker as string | undefined,
      greedy: values.greedy === true,
      maxNewTokens: positiveInteger(values['max-new-tokens'], '--max-new-tokens'),
      maxFrames: positiveInteger(values['max-frames'], '--max-frames'),
      seed,
      out: values.out as string | undefined,
      dump: values.dump as string | undefined,
      home: values.home as string | undefined,
    });
  },
};
