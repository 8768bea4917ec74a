/**
 * What `omnidesk run` does with a reply, whoever answers it (a bundle here, or a server with --remote): the text goes
 * to stdout as it arrives, the speech delivered is kept as a 24 kHz WAV, and the dump gets waveform.npy and
 * result.json. Ctrl-C stops the turn rather than the process, so what was delivered until then is still written.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { SPEECH_SAMPLE_RATE } from '../../engine/omni/code2wav';
import { concatFloat32 } from '../../engine/runtime/float32';
import { npyArray, writeNpy } from '../../engine/runtime/npy';
import { encodeWav } from '../../store/wav';
import type { Io } from '../output';

/** What one turn asks for, local or remote. */
export interface TurnSettings {
  speech: boolean;
  speaker?: string;
  greedy: boolean;
  maxNewTokens?: number;
  maxFrames?: number;
  seed?: number;
  out?: string;
  dump?: string;
}

/** The speech a turn delivered, and the codec frames it covers (an interrupted turn delivers whole frames). */
export interface DeliveredSpeech {
  samples: Float32Array;
  frames: number;
}

/** The reply as it arrives: text straight to stdout, speech chunks kept in order. */
export class ReplyOutput {
  private readonly chunks: Float32Array[] = [];

  constructor(private readonly io: Io) {}

  text(delta: string): void {
    this.io.out(delta);
  }

  speech(samples: Float32Array): void {
    this.chunks.push(samples);
  }

  /** Ends the reply's line on stdout. */
  end(): void {
    this.io.out('\n');
  }

  delivered(samplesPerFrame: number): DeliveredSpeech {
    const samples = concatFloat32(this.chunks);
    return { samples, frames: Math.ceil(samples.length / samplesPerFrame) };
  }
}

export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** The stderr line about the speech; `firstAudio` says when the first of it arrived. */
export function speechReport(speech: DeliveredSpeech, firstAudio: string, elapsedMs: number, stopReason?: string): string {
  const duration = speech.samples.length / SPEECH_SAMPLE_RATE;
  const factor = duration > 0 ? (elapsedMs / 1000 / duration).toFixed(2) : '—';
  return (
    `${speech.frames} codec frames${stopReason ? ` (${stopReason})` : ''}, ${duration.toFixed(2)} s of speech; ` +
    `first audio after ${firstAudio}; real-time factor ${factor}\n`
  );
}

/** Writes the speech to `--out`, or says that it is not kept. */
export async function writeReplyWav(io: Io, out: string | undefined, speech: DeliveredSpeech): Promise<void> {
  if (out === undefined) {
    io.err('The speech is not kept: give --out reply.wav to write it.\n');
    return;
  }
  await writeFile(out, encodeWav(speech.samples, SPEECH_SAMPLE_RATE));
  io.err(`Wrote ${out}\n`);
}

/** result.json's fields besides the frames and the sample rate. */
export interface TurnResult {
  text: string;
  thinkerTokenIds?: readonly number[];
  timings: object;
}

/** The dump's waveform.npy (removed when the turn did not speak, so an earlier one cannot pass for it) and result.json. */
export async function writeResultDump(dir: string, result: TurnResult, speech: DeliveredSpeech | undefined): Promise<void> {
  await mkdir(dir, { recursive: true });
  const waveform = path.join(dir, 'waveform.npy');
  await (speech ? writeNpy(waveform, npyArray('float32', [speech.samples.length], speech.samples)) : rm(waveform, { force: true }));
  const json = {
    text: result.text,
    ...(result.thinkerTokenIds && { thinkerTokenIds: result.thinkerTokenIds }),
    frames: speech?.frames ?? 0,
    sampleRate: SPEECH_SAMPLE_RATE,
    timings: result.timings,
  };
  await writeFile(path.join(dir, 'result.json'), `${JSON.stringify(json, null, 2)}\n`);
}

/** Runs `turn` with Ctrl-C calling `stop` instead of ending the process. */
export async function stoppedByCtrlC<T>(stop: () => void, turn: () => Promise<T>): Promise<T> {
  process.once('SIGINT', stop);
  try {
    return await turn();
  } finally {
    process.off('SIGINT', stop);
  }
}
