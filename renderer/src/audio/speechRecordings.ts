/**
 * The spoken replies of this session, kept for replay as the chunks arrived (no copying until played). An
 * interrupted reply keeps only what was heard, as the transcript does. Oldest replies go first past the cap.
 */

/** Ten minutes of 24 kHz speech (57.6 MB). */
export const MAX_RECORDED_SAMPLES = 600 * 24_000;

interface Recording {
  chunks: Float32Array[];
  samples: number;
}

export class SpeechRecordings {
  private readonly recordings = new Map<string, Recording>();
  private total = 0;

  constructor(private readonly maxSamples = MAX_RECORDED_SAMPLES) {}

  add(turnId: string, pcm: Float32Array): void {
    const recording = this.recordings.get(turnId) ?? { chunks: [], samples: 0 };
    this.recordings.set(turnId, recording);
    recording.chunks.push(pcm);
    recording.samples += pcm.length;
    this.total += pcm.length;
    for (const [id, oldest] of this.recordings) {
      if (this.total <= this.maxSamples || id === turnId) break;
      this.recordings.delete(id);
      this.total -= oldest.samples;
    }
  }

  samples(turnId: string): number {
    return this.recordings.get(turnId)?.samples ?? 0;
  }

  /** Keeps the first `samples` samples: what the user heard before an interruption. */
  truncate(turnId: string, samples: number): void {
    const recording = this.recordings.get(turnId);
    if (!recording || samples >= recording.samples) return;
    this.total -= recording.samples - samples;
    this.recordings.set(turnId, { chunks: samples > 0 ? [this.concat(recording, samples)] : [], samples });
  }

  /** The whole recording as one buffer, or undefined when there is none. */
  clip(turnId: string): Float32Array | undefined {
    const recording = this.recordings.get(turnId);
    return recording && recording.samples > 0 ? this.concat(recording) : undefined;
  }

  private concat(recording: Recording, length = recording.samples): Float32Array {
    const out = new Float32Array(length);
    let offset = 0;
    for (const chunk of recording.chunks) {
      if (offset === length) break;
      const part = chunk.subarray(0, length - offset);
      out.set(part, offset);
      offset += part.length;
    }
    return out;
  }
}
