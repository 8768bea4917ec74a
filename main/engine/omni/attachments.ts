/**
 * Turns the renderer's attachments (encoded bytes, already validated against the contract's limits) into the
 * processor's content items. Images and audio go in as bytes; a video needs a file for ffmpeg, and a webcam clip
 * (JPEG frames sampled at `fps`) becomes a short lossless video, so both are written to a turn's scratch folder,
 * which `dispose()` removes whatever happened.
 */
import { mkdir, mkdtemp, writeFile, rm } from 'node:fs/promises';
import path from 'node:path';
import type { ContentItem } from '../processor/text/chatTemplate';
import { runFfmpeg } from '../processor/media/ffmpeg';
import type { Attachment } from '../protocol';

export interface TurnMedia {
  items: ContentItem[];
  dispose: () => Promise<void>;
}

const CLIP_TIMEOUT_MS = 60_000;

export async function attachmentItems(attachments: readonly Attachment[], scratchRoot: string): Promise<TurnMedia> {
  let scratch: string | undefined;
  const folder = async () => (scratch ??= await mkdtemp(path.join(scratchRoot, 'turn-')));
  const dispose = async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  };
  try {
    const items: ContentItem[] = [];
    for (const [index, attachment] of attachments.entries()) {
      switch (attachment.kind) {
        case 'image':
          items.push({ type: 'image', image: attachment.data });
          break;
        case 'audio':
          items.push({ type: 'audio', audio: attachment.data });
          break;
        case 'video': {
          const file = path.join(await folder(), `${index}-${path.basename(attachment.name) || 'video'}`);
          await writeFile(file, attachment.data);
          items.push({ type: 'video', video: file });
          break;
        }
        case 'frames':
          items.push({ type: 'video', video: await clipFromFrames(attachment, await folder(), index) });
          break;
      }
    }
    return { items, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** JPEG frames at `fps` → an FFV1 Matroska clip the video processor samples like any other video. */
async function clipFromFrames(clip: Extract<Attachment, { kind: 'frames' }>, dir: string, index: number): Promise<string> {
  const frames = path.join(dir, `${index}-frames`);
  await mkdir(frames);
  await Promise.all(clip.frames.map((jpeg, i) => writeFile(path.join(frames, `${String(i).padStart(4, '0')}.jpg`), jpeg)));
  const file = path.join(dir, `${index}-clip.mkv`);
  await runFfmpeg(
    ['-v', 'error', '-framerate', String(clip.fps), '-i', path.join(frames, '%04d.jpg'), '-c:v', 'ffv1', '-pix_fmt', 'yuv444p', '-y', file],
    { timeoutMs: CLIP_TIMEOUT_MS, maxOutputBytes: 1024, errorCode: 'VIDEO_DECODE_FAILED', subject: `webcam clip "${clip.name}"` },
  );
  return file;
}
