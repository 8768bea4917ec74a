/**
 * Playback worklet: the page's commands feed the jitter buffer, the audio thread pulls one render quantum at a
 * time, and track events go back on the port. Mono output; the context upmixes it to the device.
 */
import { JitterBuffer } from './jitterBuffer';
import { PLAYBACK_PROCESSOR, type PlaybackCommand } from './messages';
import { worklet } from './workletScope';

export class PlaybackProcessor extends worklet.AudioWorkletProcessor {
  private readonly buffer = new JitterBuffer((event) => this.port.postMessage(event));

  constructor(options?: AudioWorkletNodeOptions) {
    super(options);
    this.port.onmessage = (event: MessageEvent<PlaybackCommand>) => {
      const command = event.data;
      switch (command.type) {
        case 'chunk':
          this.buffer.push(command.track, command.pcm);
          break;
        case 'clip':
          this.buffer.push(command.track, command.pcm);
          this.buffer.end(command.track);
          break;
        case 'end':
          this.buffer.end(command.track);
          break;
        case 'interrupt':
          this.buffer.interrupt();
          break;
      }
    };
  }

  process(_inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    const out = outputs[0]?.[0];
    if (out) this.buffer.render(out);
    // The node lives as long as its context: one player serves every turn.
    return true;
  }
}

worklet.registerProcessor(PLAYBACK_PROCESSOR, PlaybackProcessor);
