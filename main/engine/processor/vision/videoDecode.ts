/**
 * Video frames through ffmpeg, as the reference decoders (torchvision/PyAV, decord) see them: every decoded frame
 * counts, in presentation order, none duplicated or dropped to a constant rate (`-fps_mode passthrough`), no
 * rotation applied from the container's display matrix (`-noautorotate`), RGB24 from ffmpeg's own conversion.
 * Two runs: one counts the frames, one returns only the sampled ones, so memory holds just those.
 */
import { OmniError } from '../../errors';
import { type MediaInfo, type MediaStreamInfo, probeMedia, runFfmpeg } from '../media/ffmpeg';

const ERROR_CODE = 'VIDEO_DECODE_FAILED';

export interface VideoStream {
  info: MediaInfo;
  stream: MediaStreamInfo & { width: number; height: number };
  /** Average frame rate; NTSC rates are restored to n·1000/1001 from ffmpeg's two printed decimals. */
  fps: number;
  hasAudio: boolean;
}

export interface DecodeTarget {
  name: string;
  timeoutMs: number;
}

export async function probeVideo(file: string, { name, timeoutMs }: DecodeTarget): Promise<VideoStream> {
  const info = await probeMedia(file, { subject: name, errorCode: ERROR_CODE, timeoutMs });
  const stream = info.streams.find((s) => s.type === 'video' && !s.attachedPicture);
  if (!stream) {
    const found = info.streams.map((s) => (s.attachedPicture ? 'cover art' : s.type)).join(', ') || 'no streams';
    throw new OmniError(ERROR_CODE, `${name}: no video stream (${info.container} with ${found})`);
  }
  if (!stream.width || !stream.height) throw new OmniError(ERROR_CODE, `${name}: ffmpeg reports no frame size for the video stream`);
  const fps = stream.fps ?? 0;
  if (!(fps > 0)) throw new OmniError(ERROR_CODE, `${name}: ffmpeg reports no frame rate for the video stream`);
  return {
    info,
    stream: { ...stream, width: stream.width, height: stream.height },
    fps: exactFrameRate(fps),
    hasAudio: info.streams.some((s) => s.type === 'audio'),
  };
}

/** ffmpeg prints 30000/1001 as "29.97"; the sample rate and seconds-per-grid need the exact value. */
export function exactFrameRate(printed: number): number {
  const ntsc = Math.round((printed * 1001) / 1000);
  return Math.abs((ntsc * 1000) / 1001 - printed) < 0.005 && !Number.isInteger(printed) ? (ntsc * 1000) / 1001 : printed;
}

/** Decoded frames of the stream, counted with framecrc (one text line per frame, no pixels leave ffmpeg). */
export async function countFrames(file: string, video: VideoStream, { name, timeoutMs }: DecodeTarget): Promise<number> {
  const expected = (video.info.durationSeconds ?? 3600) * video.fps;
  const lines = await runFfmpeg(
    ['-noautorotate', '-i', file, '-map', `0:${video.stream.index}`, '-fps_mode', 'passthrough', '-f', 'framecrc', '-'],
    { subject: name, errorCode: ERROR_CODE, timeoutMs, maxOutputBytes: Math.ceil(expected * 2 + 10_000) * 128 },
  );
  let count = 0;
  for (const line of lines.toString('latin1').split('\n')) if (line && !line.startsWith('#')) count++;
  return count;
}

/**
 * RGB24 bytes of the frames at `indices` (sorted), each `width`×`height`; when `scaleTo` is given, ffmpeg resizes
 * them to that size instead (used only when the full-size frames would not fit in memory).
 */
export async function decodeFrames(
  file: string,
  video: VideoStream,
  indices: readonly number[],
  scaleTo: { width: number; height: number } | undefined,
  { name, timeoutMs }: DecodeTarget,
): Promise<Uint8Array[]> {
  const unique = [...new Set(indices)];
  const { width, height } = scaleTo ?? video.stream;
  const filters = [`select='${unique.map((i) => `eq(n,${i})`).join('+')}'`];
  if (scaleTo) filters.push(`scale=${width}:${height}:flags=bicubic`);
  const frameBytes = width * height * 3;
  const raw = await runFfmpeg(
    ['-noautorotate', '-i', file, '-map', `0:${video.stream.index}`, '-vf', filters.join(','), '-fps_mode', 'passthrough',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { subject: name, errorCode: ERROR_CODE, timeoutMs, maxOutputBytes: unique.length * frameBytes },
  );
  if (raw.length !== unique.length * frameBytes) {
    throw new OmniError(ERROR_CODE, `${name}: ffmpeg returned ${Math.floor(raw.length / frameBytes)} of the ${unique.length} sampled frames`);
  }
  return indices.map((i) => {
    const k = unique.indexOf(i);
    return raw.subarray(k * frameBytes, (k + 1) * frameBytes);
  });
}
