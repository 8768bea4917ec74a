/**
 * The speech FIFO behind the playback worklet: one track (a turn's reply) at a time, played gaplessly from
 * chunks of any size, with a jitter buffer after Moshi's client (`client/src/audio-processor.ts`):
 *  - a track starts once one 80 ms frame is queued, then waits `pad` more (10 ms at first) of render time;
 *  - when a quantum empties the queue before the track's end, its last samples fade out (even when it ends on a
 *    quantum boundary, as 80 ms chunks do: a gap found one quantum later could no longer be faded), it buffers
 *    again and the pad grows by 5 ms (up to 80 ms): the delay tunes itself to the engine's jitter and keeps that
 *    across turns;
 *  - every (re)start fades in over FADE_SAMPLES, so neither a start nor a gap clicks.
 * Unlike Moshi it never drops queued audio to cut latency. Moshi's producer is clocked in real time, so a long
 * queue there is pure delay; our talker runs ahead of real time in bursts (its chunks grow for efficiency), so a
 * long queue is read-ahead, and dropping it would cut words the transcript then claims were heard. Only a
 * memory cap refuses chunks. An ended track (a replay, or a turn whose last chunk is in) plays at once.
 *
 * It counts the samples of each track that reached the output (interrupt fades included): that count is what
 * the user heard, and the transcript keeps only that much of the reply.
 */
import { SPEECH_RATE, type PlaybackEvent, type PlaybackStats } from './messages';

const ms = (milliseconds: number) => (milliseconds * SPEECH_RATE) / 1000;

export const JITTER = {
  /** One 80 ms codec frame. */
  startSamples: ms(80),
  padSamples: ms(10),
  padStep: ms(5),
  padMax: ms(80),
  /** 5 ms: fade-in after every start, fade-out on interrupt and at most this long before a gap. */
  fadeSamples: ms(5),
  /** Ten minutes (57.6 MB): far beyond a reply, only a runaway producer reaches it. */
  maxQueuedSamples: 600 * SPEECH_RATE,
};

type Phase = 'buffering' | 'padding' | 'playing' | 'stopping';

interface Track {
  id: string;
  phase: Phase;
  ended: boolean;
  started: boolean;
  played: number;
  underruns: number;
  refused: number;
}

export class JitterBuffer {
  private readonly chunks: Float32Array[] = [];
  /** Read position inside chunks[0]. */
  private head = 0;
  private queued = 0;
  private track?: Track;
  /** Chunks still in flight for a track that is over must not start it again; the page never reuses an id. */
  private finishedId?: string;
  private pad: number;
  private padLeft = 0;
  /** Samples into the current fade-in; ≥ fadeSamples once it is over. */
  private fadeIn = 0;
  private fadeOutLeft = 0;

  constructor(
    private readonly emit: (event: PlaybackEvent) => void,
    private readonly limits: typeof JITTER = JITTER,
  ) {
    this.pad = limits.padSamples;
  }

  /** Queues speech of `track`; the first chunk of another track ends the current one (as interrupted). */
  push(track: string, pcm: Float32Array): void {
    if (track === this.finishedId) return;
    const current = this.begin(track);
    if (current.ended) return;
    if (this.queued + pcm.length > this.limits.maxQueuedSamples) {
      current.refused += pcm.length;
      return;
    }
    this.chunks.push(pcm);
    this.queued += pcm.length;
  }

  end(track: string): void {
    if (this.track?.id === track) this.track.ended = true;
  }

  /** Fades the playing track out; a track still buffering ends at once. Either way `finished` reports it. */
  interrupt(): void {
    const track = this.track;
    if (!track) return;
    if (track.phase === 'playing') {
      track.phase = 'stopping';
      this.fadeOutLeft = this.limits.fadeSamples;
    } else if (track.phase !== 'stopping') {
      this.finish(true);
    }
  }

  /** Fills one render quantum. */
  render(out: Float32Array): void {
    const track = this.track;
    let written = 0;
    if (track) {
      if (track.phase === 'buffering') this.tryStart(track);
      if (track.phase === 'padding') {
        this.padLeft -= out.length;
        if (this.padLeft <= 0) track.phase = 'playing';
      } else if (track.phase === 'playing' || track.phase === 'stopping') {
        written = this.play(track, out);
      }
    }
    out.fill(0, written);
  }

  private begin(id: string): Track {
    if (this.track?.id === id) return this.track;
    if (this.track) this.finish(true);
    this.track = { id, phase: 'buffering', ended: false, started: false, played: 0, underruns: 0, refused: 0 };
    return this.track;
  }

  private tryStart(track: Track): void {
    if (track.ended && this.queued === 0) {
      this.finish(false);
      return;
    }
    if (!track.ended && this.queued < this.limits.startSamples) return;
    // With the whole track here there is no jitter left to wait for.
    track.phase = track.ended ? 'playing' : 'padding';
    this.padLeft = this.pad;
    this.fadeIn = 0;
  }

  private play(track: Track, out: Float32Array): number {
    const stopping = track.phase === 'stopping';
    const wanted = stopping ? Math.min(out.length, this.fadeOutLeft) : out.length;
    let written = 0;
    while (written < wanted && this.queued > 0) {
      const chunk = this.chunks[0];
      const n = Math.min(chunk.length - this.head, wanted - written);
      out.set(chunk.subarray(this.head, this.head + n), written);
      this.head += n;
      this.queued -= n;
      written += n;
      if (this.head === chunk.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    // Linear ramps: a fade-in's gains run 0, 1/F … (F-1)/F; a fade-out's run 1, (F-1)/F … 1/F, then silence.
    const fade = this.limits.fadeSamples;
    for (let i = 0; i < written && this.fadeIn < fade; i++) out[i] *= this.fadeIn++ / fade;
    if (stopping) for (let i = 0; i < written; i++) out[i] *= this.fadeOutLeft-- / fade;

    track.played += written;
    if (written > 0 && !track.started) {
      track.started = true;
      this.emit({ type: 'started', track: track.id });
    }
    if (stopping) {
      if (this.fadeOutLeft === 0 || this.queued === 0) this.finish(true);
    } else if (this.queued === 0 && track.ended) {
      this.finish(false);
    } else if (this.queued === 0) {
      this.underrun(track, out, written);
    }
    return written;
  }

  /** The queue ran dry mid-track: fade out what was written, buffer again, and wait a little longer next time. */
  private underrun(track: Track, out: Float32Array, written: number): void {
    const n = Math.min(written, this.limits.fadeSamples);
    for (let i = 0; i < n; i++) out[written - n + i] *= (n - i) / n;
    track.underruns += 1;
    track.phase = 'buffering';
    this.pad = Math.min(this.pad + this.limits.padStep, this.limits.padMax);
  }

  private finish(interrupted: boolean): void {
    const track = this.track;
    if (!track) return;
    this.chunks.length = 0;
    this.head = 0;
    this.queued = 0;
    this.track = undefined;
    this.finishedId = track.id;
    const stats: PlaybackStats = { underruns: track.underruns, padSamples: this.pad, refusedSamples: track.refused };
    this.emit({ type: 'finished', track: track.id, samplesPlayed: track.played, interrupted, stats });
  }
}
