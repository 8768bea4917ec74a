/**
 * `omnidesk run <bundle-dir> [inputs] [--no-speech] [--greedy] [--max-new-tokens N] [--dump DIR] …`: one user turn
 * through the runtime (cli-contract.md). The reply streams to stdout as it is decoded; progress, the execution
 * provider and timings go to stderr. Ctrl-C stops generation after the token being computed.
 *
 * Speech needs the talker, which is not wired into the runtime yet: until it is, replies are text only and
 * `--out` (a wav file) is refused.
 */
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { OmniError } from '../../engine/errors';
import { homePaths, resolveHome } from '../../engine/home';
import type { TurnEvent } from '../../engine/omni/conversation';
import { OmniRuntime } from '../../engine/omni/omniRuntime';
import type { ProcessRequest } from '../../engine/processor/processor';
import { npyArray, writeNpy } from '../../engine/runtime/npy';
import { homeOption, type Command } from '../command';
import { UsageError, type Io } from '../output';
import { turnInputOptions, turnInputs, videoBounds, writeProcessorDumps } from './preprocess';

const USAGE =
  'omnidesk run <bundle-dir> [inputs] [--speaker NAME] [--no-speech] [--greedy] [--max-new-tokens N] [--max-frames N] [--out reply.wav] [--dump DIR] [--seed N]';

/** cli-contract.md: result.json's sample rate is the vocoder's, 24 kHz, with or without speech. */
const SAMPLE_RATE = 24000;

export interface RunOptions {
  bundleDir: string;
  request: ProcessRequest;
  speech: boolean;
  greedy: boolean;
  maxNewTokens?: number;
  seed?: number;
  out?: string;
  dump?: string;
  home?: string;
}

type Done = Extract<TurnEvent, { type: 'done' }>;

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (tokens: number, ms: number) => (ms > 0 ? `${((tokens * 1000) / ms).toFixed(1)} tokens/s` : '—');

async function runTurn(io: Io, options: RunOptions): Promise<void> {
  if (options.speech && options.out !== undefined) {
    throw new OmniError('INVALID_REQUEST', `cannot write ${options.out}: speech output is not available yet (it arrives with the talker)`, 'Run with --no-speech for a text reply.');
  }
  const loadStart = performance.now();
  io.err(`Loading ${options.bundleDir}\n`);
  const omni = await OmniRuntime.open(options.bundleDir, { stateDir: homePaths(resolveHome(options.home)).state });
  const controller = new AbortController();
  const interrupt = () => controller.abort();
  process.once('SIGINT', interrupt);
  try {
    const report = omni.providerReport();
    io.err(`Execution provider: ${report.provider} (${report.reasons.join('; ')}); loaded in ${seconds(performance.now() - loadStart)}\n`);
    if (options.speech) io.err('Speech output is not available yet (it arrives with the talker): replying in text only.\n');

    let done: Done | undefined;
    for await (const event of omni.conversation().send({
      ...options.request,
      ...(options.greedy && { sampling: { doSample: false } }),
      seed: options.seed,
      maxNewTokens: options.maxNewTokens,
      signal: controller.signal,
    })) {
      if (event.type === 'text-delta') io.out(event.text);
      else if (event.type === 'done') done = event;
    }
    if (!done) throw new Error('run: the turn ended without a result');
    io.out('\n');
    const t = done.timings;
    io.err(
      `${done.tokenIds.length} tokens (${done.stopReason}); prompt ${done.prompt.inputIds.length} tokens, prefill ${rate(t.prefillTokens, t.prefillMs)}, ` +
        `decode ${rate(t.decodeTokens, t.decodeMs)}; first token after ${seconds(t.firstTokenMs)}\n`,
    );
    if (options.dump) await writeDump(options.dump, done);
    if (options.dump) io.err(`Wrote the dump files to ${options.dump}\n`);
  } finally {
    process.off('SIGINT', interrupt);
    await omni.release();
  }
}

/** The processor's dumps, the generated ids and result.json; no speech, so no codes.npy or waveform.npy. */
async function writeDump(dir: string, done: Done): Promise<void> {
  await writeProcessorDumps(dir, done.prompt);
  await writeNpy(path.join(dir, 'thinker_token_ids.npy'), npyArray('int64', [done.tokenIds.length], BigInt64Array.from(done.tokenIds, BigInt)));
  for (const stale of ['codes.npy', 'waveform.npy']) await rm(path.join(dir, stale), { force: true });
  const result = { text: done.text, thinkerTokenIds: done.tokenIds, frames: 0, sampleRate: SAMPLE_RATE, timings: done.timings };
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
    'Answer one user turn with a bundle, streaming the reply to stdout; inputs as for preprocess (--audio/--image/--video FILE, ' +
    '--text/--system TEXT, --use-audio-in-video); --greedy decodes as transformers with do_sample false; --dump DIR writes the tensors and result.json',
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
    positiveInteger(values['max-frames'], '--max-frames');
    return runTurn(io, {
      bundleDir,
      request: {
        inputs,
        useAudioInVideo: values['use-audio-in-video'] === true,
        videoBounds: videoBounds(values['video-min-pixels'], values['video-max-pixels'], 'run'),
      },
      speech: values['no-speech'] !== true,
      greedy: values.greedy === true,
      maxNewTokens: positiveInteger(values['max-new-tokens'], '--max-new-tokens'),
      seed,
      out: values.out as string | undefined,
      dump: values.dump as string | undefined,
      home: values.home as string | undefined,
    });
  },
};
