/** Audio as a decoder delivers it: the file's own sample rate, one float32 array per channel. */
export interface DecodedAudio {
  sampleRate: number;
  channels: Float32Array[];
}

/**
 * The mean of the channels, as `librosa.to_mono` computes it on float32 data: a float32 running sum, then one float32
 * division (bit-identical to numpy for the ≤ 8 channels audio files have).
 */
export function downmixToMono({ channels }: DecodedAudio): Float32Array {
  if (channels.length === 1) return channels[0];
  const mono = new Float32Array(channels[0].length);
  for (let i = 0; i < mono.length; i++) {
    let sum = channels[0][i];
    for (let c = 1; c < channels.length; c++) sum = Math.fround(sum + channels[c][i]);
    mono[i] = sum / channels.length;
  }
  return mono;
}
