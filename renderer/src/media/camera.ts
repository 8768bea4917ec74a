/**
 * The webcam: a live preview, its current frame as a JPEG, or a short clip sampled at 2 fps and sent as the
 * `frames` attachment (a video input whose frames the page already picked and encoded).
 */
import type { Attachment } from '../../../main/ipc/contract';
import { clockTime, encodeVideoFrame, type EncodeOptions, type ImageAttachment } from './images';

type FramesAttachment = Extract<Attachment, { kind: 'frames' }>;

export const CLIP_FPS = 2;
/** Ten seconds: a gesture or a thing turned in the hand; longer video belongs in a file. */
export const CLIP_MAX_FRAMES = 20;

const STILL: EncodeOptions = { maxSide: 1280, type: 'image/jpeg', quality: 0.85 };
/** Clip frames are many: smaller, which also keeps each well under the 512 KB a clip frame may take. */
const CLIP_FRAME: EncodeOptions = { maxSide: 640, type: 'image/jpeg', quality: 0.8 };

export function openCamera(deviceId?: string): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    audio: false,
    video: { ...(deviceId ? { deviceId: { exact: deviceId } } : {}), width: { ideal: 1280 }, height: { ideal: 720 } },
  });
}

export async function cameraFrame(video: HTMLVideoElement): Promise<ImageAttachment> {
  return { kind: 'image', name: `Camera frame ${clockTime()}.jpg`, mime: 'image/jpeg', data: await encodeVideoFrame(video, STILL) };
}

/** Samples frames every 500 ms from `start` until `finish`, or CLIP_MAX_FRAMES, whichever comes first. */
export class ClipRecorder {
  private readonly frames: Array<Promise<Uint8Array<ArrayBuffer>>> = [];
  private timer?: ReturnType<typeof setInterval>;

  constructor(
    private readonly grab: () => Promise<Uint8Array<ArrayBuffer>>,
    private readonly onFrame: (count: number, full: boolean) => void,
  ) {}

  static forVideo(video: HTMLVideoElement, onFrame: (count: number, full: boolean) => void): ClipRecorder {
    return new ClipRecorder(() => encodeVideoFrame(video, CLIP_FRAME), onFrame);
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), 1000 / CLIP_FPS);
  }

  async finish(): Promise<FramesAttachment> {
    this.stop();
    const frames = await Promise.all(this.frames);
    return { kind: 'frames', name: `Camera clip ${clockTime()} (${frames.length} frames)`, fps: CLIP_FPS, frames };
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    if (this.frames.length === CLIP_MAX_FRAMES) return;
    this.frames.push(this.grab());
    const full = this.frames.length === CLIP_MAX_FRAMES;
    if (full) this.stop();
    this.onFrame(this.frames.length, full);
  }
}
