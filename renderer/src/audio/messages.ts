/**
 * What the page and its two audio worklets say to each other. Shared by both sides, so this module must stay
 * importable inside an AudioWorkletGlobalScope: constants and types only, no DOM.
 */

/** The engine's microphone rate: the capture context runs at it and Chromium resamples the device for us. */
export const CAPTURE_RATE = 16_000;
/** 80 ms: one 12.5 Hz audio-encoder frame per engine chunk, 12.5 port messages a second. */
export const CAPTURE_FRAME_SAMPLES = 1280;
/** The talker's Code2Wav output rate. */
export const SPEECH_RATE = 24_000;

export const CAPTURE_PROCESSOR = 'omnidesk-capture';
export const PLAYBACK_PROCESSOR = 'omnidesk-playback';

/** Page → capture worklet. `flush` sends the partly filled frame at once (push-to-talk released). */
export type CaptureCommand = { type: 'flush' } | { type: 'close' };

/** Capture worklet → page: a frame of mono Float32 samples, its buffer transferred, with its level. */
export interface CaptureFrame {
  type: 'frame';
  pcm: Float32Array;
  /** Root mean square and absolute peak of the frame, 0–1, for the level meter. */
  rms: number;
  peak: number;
  /** Answers a `flush`: the frame may be shorter than CAPTURE_FRAME_SAMPLES (even empty). */
  flushed: boolean;
}

/** Page → playback worklet. */
export type PlaybackCommand =
  /** Streamed speech of a track (a turn): queued behind what is already there. */
  | { type: 'chunk'; track: string; pcm: Float32Array }
  /** No more chunks for the track: play out what is queued without waiting to buffer more. */
  | { type: 'end'; track: string }
  /** A whole recording at once (replay): starts at once, never counted as late. */
  | { type: 'clip'; track: string; pcm: Float32Array }
  /** Fade out within FADE_SAMPLES, drop the rest and report how much of the track was played. */
  | { type: 'interrupt' };

export interface PlaybackStats {
  /** Times the queue ran dry before the track ended (each one an audible gap). */
  underruns: number;
  /** The wait added after buffering one frame, in samples; grows with every underrun. */
  padSamples: number;
  /** Samples refused because the queue was at its memory cap. */
  refusedSamples: number;
}

/** Playback worklet → page. */
export type PlaybackEvent =
  /** The first sample of the track reached the output. */
  | { type: 'started'; track: string }
  /** The track is over: played to its end, or cut short by `interrupt` or by another track. */
  | { type: 'finished'; track: string; samplesPlayed: number; interrupted: boolean; stats: PlaybackStats };
