/**
 * Images for the model: the types the engine decodes, and video frames (webcam, screen) downscaled and encoded in
 * the page before they cross any process boundary (desktop-ux.md §3.4). Encoding runs in Chromium's image
 * encoder, off the JavaScript thread.
 */
import type { Attachment } from '../../../main/ipc/contract';

export type ImageAttachment = Extract<Attachment, { kind: 'image' }>;
export type ImageType = ImageAttachment['mime'];

export const IMAGE_TYPES: readonly ImageType[] = ['image/png', 'image/jpeg', 'image/webp', 'image/gif', 'image/bmp'];

/** The size to draw a `width`×`height` picture at so its longer side is at most `maxSide` (never upscaled). */
export function fitWithin(width: number, height: number, maxSide: number): { width: number; height: number } {
  const scale = Math.min(1, maxSide / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

export interface EncodeOptions {
  maxSide: number;
  type: 'image/jpeg' | 'image/png';
  /** JPEG quality, 0–1. */
  quality?: number;
}

/** The video's current frame, downscaled and encoded. */
export async function encodeVideoFrame(video: HTMLVideoElement, { maxSide, type, quality = 0.85 }: EncodeOptions): Promise<Uint8Array<ArrayBuffer>> {
  if (!video.videoWidth || !video.videoHeight) throw new Error('The video has no frame yet.');
  const { width, height } = fitWithin(video.videoWidth, video.videoHeight, maxSide);
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('This window cannot draw images (no 2D canvas).');
  context.drawImage(video, 0, 0, width, height);
  const blob = await canvas.convertToBlob({ type, quality });
  return new Uint8Array(await blob.arrayBuffer());
}

/** "14:03:07", for naming captures. */
export const clockTime = (date = new Date()) => date.toTimeString().slice(0, 8);
