/**
 * The microphone behind push-to-talk: getUserMedia on the chosen device, a capture AudioContext at 16 kHz
 * (Chromium resamples the device — verified with Debian Chromium, environment.md §6), the capture worklet, and
 * the recorder that streams utterances to the engine. Opened once and kept while push-to-talk is in use, so the
 * pre-roll is already filling when the key goes down; the voice store closes it when it falls idle.
 */
import captureProcessorUrl from './captureProcessor.ts?worker&url';
import { CAPTURE_PROCESSOR, CAPTURE_RATE, type CaptureCommand, type CaptureFrame } from './messages';
import { PushToTalkRecorder, type SendUp, type Utterance } from './pushToTalkRecorder';

export interface MicSettings {
  /** A `MediaDeviceInfo.deviceId`; absent means the system default. */
  deviceId?: string;
  /** Echo cancellation, noise suppression and gain control: they help calls and can smear quiet speech. */
  voiceProcessing: boolean;
}

export interface MicLevel {
  rms: number;
  peak: number;
}

export interface MicEvents {
  /** Every 80 ms while an utterance is recording. */
  level(level: MicLevel): void;
  /** The utterance reached its maximum length. */
  full(): void;
  /** The device went away (unplugged, revoked). */
  ended(): void;
}

/** The flushed tail arrives within a render quantum or two; a closed context would never answer. */
const FLUSH_TIMEOUT_MS = 500;

export class MicCapture {
  private readonly recorder: PushToTalkRecorder;
  private onFlushed?: () => void;

  static async open(settings: MicSettings, send: SendUp, events: MicEvents): Promise<MicCapture> {
    const processing = settings.voiceProcessing;
    const stream = await navigator.mediaDevices.getUserMedia({
      audio: {
        ...(settings.deviceId ? { deviceId: { exact: settings.deviceId } } : {}),
        channelCount: 1,
        echoCancellation: processing,
        noiseSuppression: processing,
        autoGainControl: processing,
      },
    });
    const context = new AudioContext({ sampleRate: CAPTURE_RATE, latencyHint: 'interactive' });
    try {
      await context.audioWorklet.addModule(captureProcessorUrl);
      // No outputs: Chromium pulls an output-less worklet node by itself. One explicit input channel: the graph
      // downmixes a stereo device to mono before the processor sees it.
      const node = new AudioWorkletNode(context, CAPTURE_PROCESSOR, {
        numberOfInputs: 1,
        numberOfOutputs: 0,
        channelCount: 1,
        channelCountMode: 'explicit',
      });
      context.createMediaStreamSource(stream).connect(node);
      await context.resume();
      return new MicCapture(stream, context, node, send, events);
    } catch (error) {
      stream.getTracks().forEach((track) => track.stop());
      void context.close();
      throw error;
    }
  }

  private constructor(
    private readonly stream: MediaStream,
    private readonly context: AudioContext,
    private readonly node: AudioWorkletNode,
    send: SendUp,
    events: MicEvents,
  ) {
    this.recorder = new PushToTalkRecorder(send);
    node.port.onmessage = (event: MessageEvent<CaptureFrame>) => {
      const frame = event.data;
      const recording = this.recorder.recording;
      if (this.recorder.frame(frame.pcm)) events.full();
      if (recording) events.level({ rms: frame.rms, peak: frame.peak });
      if (frame.flushed) this.onFlushed?.();
    };
    stream.getAudioTracks()[0]?.addEventListener('ended', () => events.ended());
  }

  get recording(): boolean {
    return this.recorder.recording;
  }

  start(turnId: string): void {
    this.recorder.start(turnId);
  }

  /** Sends the frame still filling in the worklet, then `mic.end`; undefined when nothing was recording. */
  async stop(): Promise<Utterance | undefined> {
    if (!this.recorder.recording) return undefined;
    await new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.onFlushed = undefined;
        resolve();
      };
      const timer = setTimeout(done, FLUSH_TIMEOUT_MS);
      this.onFlushed = done;
      this.command({ type: 'flush' });
    });
    return this.recorder.finish();
  }

  cancel(): void {
    this.recorder.cancel();
  }

  close(): void {
    this.recorder.cancel();
    this.command({ type: 'close' });
    this.node.disconnect();
    this.stream.getTracks().forEach((track) => track.stop());
    void this.context.close();
  }

  private command(command: CaptureCommand): void {
    this.node.port.postMessage(command);
  }
}
