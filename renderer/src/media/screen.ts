/**
 * A screenshot for the next turn: one frame of a `getDisplayMedia` capture, stopped at once. In the desktop app
 * main grants the source the user picked in the screen picker (`screenPicker.ts`); in a browser the browser's own
 * picker asks. PNG, because screens are text and JPEG smears text.
 */
import { clockTime, encodeVideoFrame, type ImageAttachment } from './images';

const SCREENSHOT = { maxSide: 1920, type: 'image/png' } as const;

/** The screenshot, or undefined when the user closed the picker without choosing. */
export async function captureScreen(): Promise<ImageAttachment | undefined> {
  let stream: MediaStream;
  try {
    stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'NotAllowedError') return undefined;
    throw error;
  }
  const video = document.createElement('video');
  try {
    video.muted = true;
    video.srcObject = stream;
    await video.play();
    // play() resolves before a frame is decoded on some captures; wait for the first one to be presented.
    await new Promise<void>((resolve) => video.requestVideoFrameCallback(() => resolve()));
    return { kind: 'image', name: `Screenshot ${clockTime()}.png`, mime: 'image/png', data: await encodeVideoFrame(video, SCREENSHOT) };
  } finally {
    stream.getTracks().forEach((track) => track.stop());
    video.srcObject = null;
  }
}
