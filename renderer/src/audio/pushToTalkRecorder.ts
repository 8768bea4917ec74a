/**
 * Turns capture frames into push-to-talk utterances on the engine stream. While no key is held it keeps the
 * last PRE_ROLL_FRAMES frames, so the first syllable, spoken as the key goes down, is not lost; while held,
 * every frame goes up as a `mic.chunk` the moment it arrives; release sends `mic.end` at once — no waiting for
 * silence. Each chunk is a copy with its buffer transferred, and the frame itself stays here for the saved
 * recording: one memcpy of 5 kB per 80 ms, which the port would otherwise have made in its structured clone.
 * Nothing here touches samples one by one.
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

export interface Utterance extends UtteranceSummary {
  /** The audio as sent, for the conversation's recording. */
  pcm: Float32Array;
}

interface Recording extends UtteranceSummary {
  seq: number;
  frames: Float32Array[];
}

export class PushToTalkRecorder {
  private readonly preRoll: Float32Array[] = [];
  private utterance?: Recording;

  constructor(private readonly send: SendUp) {}

  get recording(): boolean {
    return this.utterance !== undefined;
  }

  start(turnId: string): void {
    this.utterance = { turnId, seq: 0, samples: 0, heldSamples: 0, frames: [] };
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
  finish(): Utterance | undefined {
    const utterance = this.utterance;
    if (!utterance) return undefined;
    this.utterance = undefined;
    this.send({ type: 'mic.end', turnId: utterance.turnId, seq: utterance.seq });
    const pcm = new Float32Array(utterance.samples);
    let offset = 0;
    for (const frame of utterance.frames) {
      pcm.set(frame, offset);
      offset += frame.length;
    }
    return { turnId: utterance.turnId, samples: utterance.samples, heldSamples: utterance.heldSamples, pcm };
  }

  /** Drops the utterance; the engine frees what it collected. */
  cancel(): void {
    if (this.utterance) this.send({ type: 'mic.cancel', turnId: this.utterance.turnId });
    this.utterance = undefined;
  }

  private forward(frame: Float32Array, held: boolean): boolean {
    const utterance = this.utterance as Recording;
    const room = MAX_UTTERANCE_SAMPLES - utterance.samples;
    const pcm = frame.length > room ? frame.subarray(0, room) : frame;
    if (pcm.length === 0) return false;
    const chunk = pcm.slice().buffer;
    this.send({ type: 'mic.chunk', turnId: utterance.turnId, seq: utterance.seq++, sampleRate: CAPTURE_RATE, format: 'f32', pcm: chunk }, [chunk]);
    utterance.frames.push(pcm);
    utterance.samples += pcm.length;
    if (held) utterance.heldSamples += pcm.length;
    return utterance.samples === MAX_UTTERANCE_SAMPLES;
  }
}
