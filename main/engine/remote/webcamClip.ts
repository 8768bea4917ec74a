/**
 * A webcam clip (JPEG frames sampled at `fps`) as one small video file a server can decode: the JPEGs are copied
 * unchanged into Matroska as Motion JPEG, so nothing is re-encoded and the file is the size of its frames. ffmpeg
 * writes it to a seekable file, not a pipe, because only then does the container carry its duration and frame
 * count, which vLLM's OpenCV loader reads to sample frames.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { runFfmpeg } from '../processor/media/ffmpeg';
import type { Attachment } from '../protocol';

const CLIP_TIMEOUT_MS = 30_000;

export async function mjpegClip(clip: Extract<Attachment, { kind: 'frames' }>, scratchRoot: string): Promise<Uint8Array> {
  const dir = await mkdtemp(path.join(scratchRoot, 'remote-clip-'));
  try {
    const file = path.join(dir, 'clip.mkv');
    await runFfmpeg(['-v', 'error', '-f', 'mjpeg', '-framerate', String(clip.fps), '-i', 'pipe:0', '-c:v', 'copy', '-y', file], {
      input: Buffer.concat(clip.frames),
      timeoutMs: CLIP_TIMEOUT_MS,
      maxOutputBytes: 1024,
      errorCode: 'VIDEO_DECODE_FAILED',
      subject: `webcam clip "${clip.name}"`,
    });
    return new Uint8Array(await readFile(file));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
