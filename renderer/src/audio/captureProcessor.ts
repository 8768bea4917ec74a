/**
 * Capture worklet: cuts the microphone (already 16 kHz mono: the context runs at 16 kHz and the node downmixes)
 * into fixed CAPTURE_FRAME_SAMPLES frames and posts each with its buffer transferred, so the page does no
 * per-sample work. Every frame carries its RMS and peak for the level meter.
 */
import { CAPTURE_FRAME_SAMPLES, CAPTURE_PROCESSOR, type CaptureCommand, type CaptureFrame } from './messages';
import { worklet } from './workletScope';

export class CaptureProcessor extends worklet.AudioWorkletProcessor {
  private frame = new Float32Array(CAPTURE_FRAME_SAMPLES);
  private filled = 0;
  private closed = false;

  constructor(options?: AudioWorkletNodeOptions) {
    super(options);
    this.port.onmessage = (event: MessageEvent<CaptureCommand>) => {
      if (event.data.type === 'flush') this.post(true);
      else this.closed = true;
    };
  }

  process(inputs: Float32Array[][]): boolean {
    const input = inputs[0]?.[0];
    for (let offset = 0; input && offset < input.length; ) {
      const n = Math.min(input.length - offset, this.frame.length - this.filled);
      this.frame.set(input.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.frame.length) this.post(false);
    }
    return !this.closed;
  }

  private post(flushed: boolean): void {
    const full = this.filled === this.frame.length;
    const pcm = full ? this.frame : this.frame.slice(0, this.filled);
    let sum = 0;
    let peak = 0;
    for (let i = 0; i < pcm.length; i++) {
      const s = pcm[i];
      sum += s * s;
      peak = Math.max(peak, Math.abs(s));
    }
    const message: CaptureFrame = { type: 'frame', pcm, rms: pcm.length ? Math.sqrt(sum / pcm.length) : 0, peak, flushed };
    this.port.postMessage(message, [pcm.buffer]);
    // A full frame's buffer went with the message; a partial one was copied out and its buffer is reused.
    if (full) this.frame = new Float32Array(CAPTURE_FRAME_SAMPLES);
    this.filled = 0;
  }
}

worklet.registerProcessor(CAPTURE_PROCESSOR, CaptureProcessor);
