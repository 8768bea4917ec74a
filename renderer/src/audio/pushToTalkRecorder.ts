/**
 * Turns capture frames into push-to-talk utterances on the engine stream. While no key is held it keeps the
 * last PRE_ROLL_FRAMES frames, so the first syllable, spoken as the key goes down, is not lost; while held,
 * every frame goes up as a `mic.chunk` the moment it arrives (its buffer transferred, never copied); release
 * sends `mic.end` at once — no waiting for silence. Frames are buffer references: nothing here touches samples.
 */
import type { StreamUp } from '../../../main/ipc/contract';
import { CAPTURE_FRAME_SAMPLES, CAPTURE_RATE } from './messages';

/** 400 ms: inside the 300–500 ms that PTT and VAD front ends keep (desktop-ux.md §4.1). */
export const PRE_ROLL_FRAMES = 5;
export const PRE_ROLL_SAMPLES = PRE_ROLL_FRAMES * CAPTURE_FRAME_SAMPLES;
/** A shorter hold is a slip of the key, not a question (conversational-webgpu drops segments under 250 ms). */
export const MIN_HELD_SAMPLES = CAPTURE_RATE / 4;
/** Two minutes (1,560 audio tokens): past that the key is stuck, and the turn is sent as it is. */
export const MAX_UTTERANCE_SAMPLES = 120 * CAPTURE_RATE;

export type SendUp = (message: StreamUp, transfer?: Transferable[]) => void;

export interface UtteranceSummary {
  turnId: string;
  /** Everything sent, pre-roll included. */
  samples: number;
  /** Only what arrived while the key was held. */
  heldSamples: number;
}

interface Utterance extends UtteranceSummary {
  seq: number;
}

export class PushToTalkRecorder {
  private readonly preRoll: Float32Array[] = [];
  private utterance?: Utterance;

  constructor(private readonly send: SendUp) {}

  get recording(): boolean {
    return this.utterance !== undefined;
  }

  start(turnId: string): void {
    this.utterance = { turnId, seq: 0, samples: 0, heldSamples: 0 };
    for (const pcm of this.preRoll.splice(0)) this.forward(pcm, false);
  }

  /** Takes one capture frame; true when the utterance has just reached its maximum length. */
  frame(pcm: Float32Array): boolean {
    if (this.utterance) return this.forward(pcm, true);
    this.preRoll.push(pcm);
    if (this.preRoll.length > PRE_ROLL_FRAMES) this.preRoll.shift();
    return false;
  }

  /** Ends the utterance with `mic.end`; the caller has fed the worklet's flushed tail first. */
  finish(): UtteranceSummary | undefined {
    const utterance = this.utterance;
    if (!utterance) return undefined;
    this.utterance = undefined;
    this.send({ type: 'mic.end', turnId: utterance.turnId, seq: utterance.seq });
    return { turnId: utterance.turnId, samples: utterance.samples, heldSamples: utterance.heldSamples };
  }

  /** Drops the utterance; the engine frees what it collected. */
  cancel(): void {
    if (this.utterance) this.send({ type: 'mic.cancel', turnId: this.utterance.turnId });
    this.utterance = undefined;
  }

  private forward(frame: Float32Array, held: boolean): boolean {
    const utterance = this.utterance as Utterance;
    const room = MAX_UTTERANCE_SAMPLES - utterance.samples;
    const pcm = frame.length > room ? frame.slice(0, room) : frame;
    // Counted before sending: the transfer detaches the buffer, and a detached array's length is 0.
    const length = pcm.length;
    if (length === 0) return false;
    const buffer = pcm.buffer as ArrayBuffer;
    this.send({ type: 'mic.chunk', turnId: utterance.turnId, seq: utterance.seq++, sampleRate: CAPTURE_RATE, format: 'f32', pcm: buffer }, [buffer]);
    utterance.samples += length;
    if (held) utterance.heldSamples += length;
    return utterance.samples === MAX_UTTERANCE_SAMPLES;
  }
}
