/**
 * Plays the assistant's voice: one long-lived AudioContext at 24 kHz (Chromium resamples to the device) feeding
 * the playback worklet. Streamed `speech.chunk`s go to the worklet as they arrive — a structured-clone copy, as
 * the original is kept for replay — and replays go as one clip. The page never touches samples; the worklet says
 * when a track starts and how much of it was played, which is what barge-in reports to the engine.
 */
import playbackProcessorUrl from './playbackProcessor.ts?worker&url';
import { PLAYBACK_PROCESSOR, SPEECH_RATE, type PlaybackCommand, type PlaybackEvent, type PlaybackStats } from './messages';
import { SpeechRecordings } from './speechRecordings';

export type PlayerEvent =
  | { type: 'started'; turnId: string; replay: boolean }
  | {
      type: 'finished';
      turnId: string;
      replay: boolean;
      samplesPlayed: number;
      interrupted: boolean;
      stats: PlaybackStats;
      /** What is kept for replay afterwards: all of it, or what was heard. */
      recordedSamples: number;
    };

export interface PlaybackReport {
  turnId: string;
  replay: boolean;
  /** Undefined only when the audio device stopped answering. */
  samplesPlayed?: number;
}

export interface PlayerPort {
  postMessage(message: PlaybackCommand, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<PlaybackEvent>) => void) | null;
}

/** The audio side the player drives: its worklet's port and its context. */
export interface PlayerOutput {
  port: PlayerPort;
  /** Called before every command: resumes a suspended context. */
  wake(): void;
  /** Called when the last track is over: the context may sleep until the next `wake`. */
  idle(): void;
  /** Reads an encoded recording (WAV) into 24 kHz samples. */
  decode(file: Uint8Array): Promise<Float32Array>;
  /** Sends the sound to an output device; '' is the system default. */
  route(deviceId: string): Promise<void>;
}

/** `AudioContext.setSinkId` (Chromium 110+, so every Electron we ship), which TypeScript's DOM library lacks. */
type RoutableContext = AudioContext & { setSinkId(deviceId: string): Promise<void> };

interface Track {
  id: string;
  turnId: string;
  replay: boolean;
  answers: Array<(report: PlaybackReport) => void>;
}

/** A running context answers an interrupt within two render quanta; a suspended or lost device never does. */
const INTERRUPT_TIMEOUT_MS = 500;
/**
 * How long the context keeps running after speech: a running context holds the audio device (and its power
 * state) and runs the worklet every 2.7 ms; resuming costs a few milliseconds, inside the jitter buffer's start.
 */
const SLEEP_AFTER_MS = 10_000;

export class SpeechPlayer {
  readonly recordings = new SpeechRecordings();
  private readonly tracks = new Map<string, Track>();
  private readonly listeners = new Set<(event: PlayerEvent) => void>();
  /** Turns whose speech was cut short: chunks still on their way are not played. */
  private readonly cut = new Set<string>();
  private current?: Track;
  private replays = 0;

  /**
   * The page's first AudioContext opens the audio device, a main-thread task of 80–140 ms in headless Chromium:
   * create the player ahead of use, while the page is idle, not in a key press or during a reply.
   */
  static async create(): Promise<SpeechPlayer> {
    const context = new AudioContext({ sampleRate: SPEECH_RATE, latencyHint: 'interactive' }) as RoutableContext;
    await context.audioWorklet.addModule(playbackProcessorUrl);
    const node = new AudioWorkletNode(context, PLAYBACK_PROCESSOR, { numberOfInputs: 0, numberOfOutputs: 1, outputChannelCount: [1] });
    node.connect(context.destination);
    await context.suspend();
    let sleepTimer: ReturnType<typeof setTimeout> | undefined;
    return new SpeechPlayer({
      port: node.port,
      // Resuming needs the page to have had a user gesture once; speech always follows one.
      wake: () => {
        clearTimeout(sleepTimer);
        if (context.state === 'suspended') void context.resume();
      },
      idle: () => {
        clearTimeout(sleepTimer);
        sleepTimer = setTimeout(() => void context.suspend(), SLEEP_AFTER_MS);
      },
      // Stored replies are WAV files; the browser's decoder reads them off the main thread, at 24 kHz as stored.
      decode: async (file) => (await context.decodeAudioData(file.slice().buffer)).getChannelData(0),
      route: (deviceId) => context.setSinkId(deviceId),
    });
  }

  private readonly port: PlayerPort;
  private device: string | null = null;

  constructor(private readonly output: PlayerOutput) {
    this.port = output.port;
    this.port.onmessage = (event) => this.receive(event.data);
  }

  /**
   * Plays through this output device from now on; null is the system default. Nothing waits for the switch: audio
   * already queued moves with it. A device that cannot be used (unplugged) leaves the default, and rejects.
   */
  setOutput(device: string | null): Promise<void> {
    if (device === this.device) return Promise.resolve();
    this.device = device;
    return this.output.route(device ?? '').catch((error: unknown) => {
      this.device = null;
      void this.output.route('').catch(() => undefined);
      throw error;
    });
  }

  decode(file: Uint8Array): Promise<Float32Array> {
    return this.output.decode(file);
  }

  onEvent(listener: (event: PlayerEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The turn whose speech (or replay) is playing or queued. */
  get playing(): { turnId: string; replay: boolean } | undefined {
    return this.current && { turnId: this.current.turnId, replay: this.current.replay };
  }

  chunk(turnId: string, pcm: Float32Array): void {
    if (this.cut.has(turnId)) return;
    this.recordings.add(turnId, pcm);
    if (this.current?.id !== turnId) this.current = this.track(turnId, turnId, false);
    this.post({ type: 'chunk', track: turnId, pcm });
  }

  end(turnId: string): void {
    if (this.tracks.has(turnId)) this.post({ type: 'end', track: turnId });
  }

  /** A reply as kept for replay (what was heard of it), or undefined. */
  recording(turnId: string): Float32Array | undefined {
    return this.recordings.clip(turnId);
  }

  /**
   * Plays a reply again from the start; false when none is kept. `stored` is its saved audio, for a reply from
   * before a reload: kept from then on.
   */
  replay(turnId: string, stored?: Float32Array): boolean {
    if (stored && this.recordings.samples(turnId) === 0) this.recordings.add(turnId, stored);
    const pcm = this.recordings.clip(turnId);
    if (!pcm) return false;
    this.current = this.track(`${turnId}#replay-${++this.replays}`, turnId, true);
    this.post({ type: 'clip', track: this.current.id, pcm }, [pcm.buffer]);
    return true;
  }

  /** Stops whatever plays (5 ms fade) and says how much of it was heard; undefined when nothing played. */
  interrupt(): Promise<PlaybackReport | undefined> {
    const track = this.current;
    if (!track) return Promise.resolve(undefined);
    if (!track.replay) this.cut.add(track.turnId);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ turnId: track.turnId, replay: track.replay }), INTERRUPT_TIMEOUT_MS);
      track.answers.push((report) => {
        clearTimeout(timer);
        resolve(report);
      });
      this.post({ type: 'interrupt' });
    });
  }

  private track(id: string, turnId: string, replay: boolean): Track {
    const track: Track = { id, turnId, replay, answers: [] };
    this.tracks.set(id, track);
    return track;
  }

  private post(command: PlaybackCommand, transfer: Transferable[] = []): void {
    this.output.wake();
    this.port.postMessage(command, transfer);
  }

  private receive(event: PlaybackEvent): void {
    const track = this.tracks.get(event.track);
    if (!track) return;
    const { turnId, replay } = track;
    if (event.type === 'started') {
      this.emit({ type: 'started', turnId, replay });
      return;
    }
    this.tracks.delete(track.id);
    if (this.current === track) this.current = undefined;
    if (event.interrupted && !replay) {
      this.cut.add(turnId);
      this.recordings.truncate(turnId, event.samplesPlayed);
    }
    track.answers.forEach((answer) => answer({ turnId, replay, samplesPlayed: event.samplesPlayed }));
    if (!this.current) this.output.idle();
    const { samplesPlayed, interrupted, stats } = event;
    this.emit({ type: 'finished', turnId, replay, samplesPlayed, interrupted, stats, recordedSamples: this.recordings.samples(turnId) });
  }

  private emit(event: PlayerEvent): void {
    this.listeners.forEach((listener) => listener(event));
  }
}
