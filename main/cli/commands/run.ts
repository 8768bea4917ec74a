/**
 * `omnidesk run`: one user turn (cli-contract.md), answered by a bundle on this computer (runLocal.ts) or, with
 * `--remote <base-url>`, by an OpenAI-compatible server (runRemote.ts). Both stream the reply's text to stdout and
 * keep its speech and dump files the same way (turnOutput.ts).
 */
import { RemoteBackend } from '../../engine/protocol';
import { homeOption, type Command } from '../command';
import { positiveIntegerOption, UsageError } from '../output';
import { turnInputOptions, turnInputs, videoBounds } from './preprocess';
import { runLocal } from './runLocal';
import { API_KEY_VARIABLE, runRemote } from './runRemote';
import type { TurnSettings } from './turnOutput';

const USAGE =
  'omnidesk run (<bundle-dir> | --remote <base-url> [--model M]) [inputs] [--speaker NAME] [--no-speech] [--greedy] [--max-new-tokens N] [--max-frames N] [--out reply.wav] [--dump DIR] [--seed N]';

/** The flags both kinds of run take. */
function turnSettings(values: Record<string, unknown>): TurnSettings {
  const seed = values.seed === undefined ? undefined : Number(values.seed);
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new UsageError('run: --seed takes a whole number');
  return {
    speech: values['no-speech'] !== true,
    speaker: values.speaker as string | undefined,
    greedy: values.greedy === true,
    maxNewTokens: positiveIntegerOption(values['max-new-tokens'], 'run', '--max-new-tokens'),
    maxFrames: positiveIntegerOption(values['max-frames'], 'run', '--max-frames'),
    seed,
    out: values.out as string | undefined,
    dump: values.dump as string | undefined,
  };
}

function serverUrl(value: string): string {
  const checked = RemoteBackend.shape.baseUrl.safeParse(value);
  if (!checked.success) throw new UsageError(`run: --remote ${value}: ${checked.error.issues[0].message}`);
  return value;
}

export const runCommand: Command = {
  usage: USAGE,
  summary:
    'Answer one user turn with a bundle, streaming the reply to stdout while it is spoken; inputs as for preprocess (--audio/--image/--video FILE, ' +
    '--text/--system TEXT, --use-audio-in-video); --speaker picks a voice (default Ethan); --out FILE writes the speech as a 24 kHz WAV; ' +
    '--max-frames N caps it at N codec frames (80 ms each); --greedy decodes as transformers with do_sample false; --dump DIR writes the tensors and result.json. ' +
    '--remote URL sends the turn to an OpenAI-compatible server instead (e.g. http://gpu-box:8091/v1; your inputs leave this computer), ' +
    `--model picks one of its models (default: its only one); its API key is read from $${API_KEY_VARIABLE} only, as a flag would show in ps and the shell history`,
  options: {
    ...turnInputOptions,
    ...homeOption,
    remote: { type: 'string' },
    model: { type: 'string' },
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
    const remote = values.remote as string | undefined;
    const model = values.model as string | undefined;
    if (bundleDir !== undefined && remote !== undefined) {
      throw new UsageError(`run: give the bundle directory ("${bundleDir}") or --remote ${remote}, not both: one of them answers`);
    }
    const inputs = turnInputs(tokens);
    if (!inputs.some((input) => input.kind !== 'system')) throw new UsageError('run: give at least one of --text, --audio, --image or --video');
    const useAudioInVideo = values['use-audio-in-video'] === true;
    if (remote === undefined) {
      if (bundleDir === undefined) throw new UsageError(`run: give the bundle directory, or --remote and a server's base URL (usage: ${USAGE})`);
      if (model !== undefined) throw new UsageError('run: --model goes with --remote (a bundle is one model)');
      return runLocal(io, {
        ...turnSettings(values),
        bundleDir,
        request: { inputs, useAudioInVideo, videoBounds: videoBounds(values['video-min-pixels'], values['video-max-pixels'], 'run') },
        home: values.home as string | undefined,
      });
    }
    for (const option of ['video-min-pixels', 'video-max-pixels']) {
      if (values[option] !== undefined) throw new UsageError(`run: --${option} applies to a local run only: the server sizes video frames itself`);
    }
    if (model === '') throw new UsageError('run: --model takes a model name');
    return runRemote(io, {
      ...turnSettings(values),
      baseUrl: serverUrl(remote),
      model,
      apiKey: process.env[API_KEY_VARIABLE] || undefined,
      inputs,
      useAudioInVideo,
    });
  },
};
