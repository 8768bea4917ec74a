/**
 * `omnidesk run --remote <base-url> …`: the turn of a local run, answered by an OpenAI-compatible server (vLLM-Omni,
 * `omnidesk serve`) through the app's remote backend (engine/remote). The API key comes from $OMNIDESK_API_KEY only: a
 * command-line flag would show in `ps` and in the shell's history. The text streams to stdout and the speech is kept
 * as for a local run; the dump holds what a remote turn has here — the text, the speech and the timings seen from
 * this computer — while the prompt's ids and features and the codes stay on the server.
 */
import os from 'node:os';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { OmniError } from '../../engine/errors';
import { SPEECH_SAMPLE_RATE } from '../../engine/omni/code2wav';
import type { TurnInput } from '../../engine/processor/processor';
import type { RemoteBackend, RemoteChatSendRequest, TurnEvent } from '../../engine/protocol';
import { listRemoteModels, serverName } from '../../engine/remote/client';
import { RemoteAssistant } from '../../engine/remote/remoteAssistant';
import { isLoopback } from '../../serve/access';
import { UsageError, type Io } from '../output';
import { DUMP_NAMES } from './preprocess';
import { remoteTurnInputs } from './remoteTurnInputs';
import { ReplyOutput, seconds, speechReport, stoppedByCtrlC, type TurnSettings, writeReplyWav, writeResultDump } from './turnOutput';

export const API_KEY_VARIABLE = 'OMNIDESK_API_KEY';

export interface RemoteRunOptions extends TurnSettings {
  baseUrl: string;
  /** Default: the server's only model. */
  model?: string;
  apiKey?: string;
  inputs: readonly TurnInput[];
  useAudioInVideo: boolean;
}

const TURN_ID = 'cli';
/** Qwen3-Omni's codec speaks one frame per 80 ms. */
const SAMPLES_PER_FRAME = 0.08 * SPEECH_SAMPLE_RATE;
/** The dump files whose contents only the server has. */
const SERVER_SIDE_DUMPS = [...DUMP_NAMES, 'thinker_token_ids', 'codes'].map((name) => `${name}.npy`);

type TurnEnd = Extract<TurnEvent, { type: 'done' | 'error' }>;
type TurnDone = Extract<TurnEnd, { type: 'done' }>;

export async function runRemote(io: Io, options: RemoteRunOptions): Promise<void> {
  const host = serverName(options);
  const url = new URL(options.baseUrl);
  const plainText = url.protocol === 'http:' && !isLoopback(url.hostname);
  io.err(`Answered by ${host} (data leaves this computer${plainText ? ', unencrypted: plain http' : ''})\n`);
  try {
    await turn(io, options, host);
  } catch (error) {
    throw withKeyHint(error, options.apiKey !== undefined);
  }
}

async function turn(io: Io, options: RemoteRunOptions, host: string): Promise<void> {
  const request = await turnRequest(options, host);
  const reply = new ReplyOutput(io);
  const { end, timings } = await answer(request, reply, {
    ...(options.seed !== undefined && { seed: options.seed }),
    ...(options.useAudioInVideo && { mm_processor_kwargs: { use_audio_in_video: true } }),
  });
  reply.end();
  const { firstTextMs, firstAudioMs, totalMs } = timings;
  const firstText = firstTextMs === undefined ? '' : `; first text after ${seconds(firstTextMs)}`;
  io.err(`Reply ${end.interrupted ? 'interrupted' : 'complete'} after ${seconds(totalMs)}${firstText}\n`);

  const delivered = options.speech ? reply.delivered(SAMPLES_PER_FRAME) : undefined;
  if (delivered) {
    if (delivered.samples.length === 0 && !end.interrupted) {
      const problem = `${host} sent no speech with its reply`;
      if (options.out !== undefined) {
        throw new OmniError('REMOTE_FAILED', `${problem}: nothing to write to ${options.out}.`, "Check that the server's model speaks, or run with --no-speech.");
      }
      io.err(`${problem}.\n`);
    } else {
      io.err(speechReport(delivered, firstAudioMs === undefined ? '—' : seconds(firstAudioMs), totalMs));
      await writeReplyWav(io, options.out, delivered);
    }
  }
  const dir = options.dump;
  if (dir !== undefined) {
    await Promise.all(SERVER_SIDE_DUMPS.map((file) => rm(path.join(dir, file), { force: true })));
    await writeResultDump(dir, { text: end.text, timings }, delivered);
    io.err(
      `Wrote result.json${delivered ? ' and waveform.npy' : ''} to ${dir}; a remote turn cannot give ${SERVER_SIDE_DUMPS.join(', ')}: ` +
        'the prompt, its features, the generated ids and the codes stay on the server.\n',
    );
  }
}

async function turnRequest(options: RemoteRunOptions, host: string): Promise<RemoteChatSendRequest> {
  return {
    conversationId: TURN_ID,
    turnId: TURN_ID,
    ...(await remoteTurnInputs(options.inputs)),
    micAudio: false,
    speak: options.speech,
    speaker: options.speaker,
    remote: { baseUrl: options.baseUrl, apiKey: options.apiKey, model: options.model ?? (await onlyModel(options, host)) },
    sampling: { ...(options.greedy && { doSample: false }), maxNewTokens: options.maxNewTokens },
    maxSpeechFrames: options.maxFrames,
  };
}

/** When the reply's first text and speech arrived and how long it took, as seen from this computer. */
interface RemoteTimings {
  firstTextMs?: number;
  firstAudioMs?: number;
  totalMs: number;
}

/**
 * The server's reply into `reply` as it arrives; ends with the turn (complete, or interrupted by Ctrl-C). `extraBody`
 * holds fields vLLM and `omnidesk serve` read that the app's turn request has no field for.
 */
async function answer(request: RemoteChatSendRequest, reply: ReplyOutput, extraBody: Record<string, unknown>): Promise<{ end: TurnDone; timings: RemoteTimings }> {
  const started = performance.now();
  const seen: Omit<RemoteTimings, 'totalMs'> = {};
  let end = (_event: TurnEnd) => {};
  const ended = new Promise<TurnEnd>((resolve) => (end = resolve));
  const assistant = new RemoteAssistant({
    // Only webcam clips are put together there, and a command line has none.
    scratchDir: os.tmpdir(),
    extraBody,
    emit: (event) => {
      if (event.type === 'text-delta') {
        seen.firstTextMs ??= performance.now() - started;
        reply.text(event.text);
      } else if (event.type === 'done' || event.type === 'error') end(event);
    },
    onSpeech: (chunk) => {
      if (typeof chunk.samples === 'number') return;
      seen.firstAudioMs ??= performance.now() - started;
      reply.speech(chunk.samples);
    },
    onBusy: () => {},
  });
  const last = await stoppedByCtrlC(
    () => assistant.interrupt(request.turnId),
    async () => {
      await assistant.start(request);
      return ended;
    },
  );
  if (last.type === 'error') throw OmniError.fromInfo(last.error);
  return { end: last, timings: { ...seen, totalMs: performance.now() - started } };
}

/** The model a server offers when it offers one; with several, the user must choose. */
async function onlyModel(server: Omit<RemoteBackend, 'model'>, host: string): Promise<string> {
  const models = await listRemoteModels(server);
  if (models.length === 1) return models[0];
  if (models.length === 0) throw new OmniError('REMOTE_REJECTED', `${host} serves no model (GET /models lists none).`, 'Check the base URL and the server.');
  throw new UsageError(`run: ${host} serves ${models.length} models; pick one with --model: ${models.join(', ')}`);
}

/** The remote client's 401 hint points at the app's Settings; here the key comes from the environment. */
function withKeyHint(error: unknown, keyGiven: boolean): unknown {
  if (!(error instanceof OmniError) || error.code !== 'REMOTE_AUTH') return error;
  const hint = keyGiven ? `Check ${API_KEY_VARIABLE}: the server does not accept it.` : `This server needs an API key: set ${API_KEY_VARIABLE} to it.`;
  return new OmniError(error.code, error.message, hint);
}
