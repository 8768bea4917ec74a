/**
 * Picking what a screenshot shows: main lists the screens and windows it can capture, the renderer names one, and
 * main grants exactly that one to the window's next `getDisplayMedia` request (main/app/displayCapture.ts).
 */
import { z } from 'zod';

/** A desktopCapturer source id: "screen:<display>:<n>" or "window:<handle>:<n>". */
export const CaptureSourceId = z
  .string()
  .max(128)
  .regex(/^(?:screen|window):[A-Za-z0-9_-]+(?::[A-Za-z0-9_-]+)*$/, 'must be a screen or window id from screen.sources, such as "screen:1:0"');

/** A thumbnail or an application icon, PNG-encoded. */
const Png = z.instanceof(Uint8Array).refine((bytes) => bytes.byteLength <= 2 * 1024 * 1024, { message: 'must be a PNG of at most 2 MB' });

export const CaptureSource = z.strictObject({
  id: CaptureSourceId,
  /** The screen's name ("Entire screen", "Screen 2") or the window's title. */
  name: z.string().max(1024),
  kind: z.enum(['screen', 'window']),
  thumbnail: Png,
  /** The window's application icon, where the system has one. */
  icon: Png.optional(),
});
export type CaptureSource = z.infer<typeof CaptureSource>;

export const screenChannels = {
  /** The screens and windows that can be captured now; empty where the shell has no source list (a browser tab). */
  'screen.sources': { request: z.strictObject({}), response: z.strictObject({ sources: z.array(CaptureSource) }) },
  /** The source the window's next getDisplayMedia request is granted, if it comes within `validForMs`. */
  'screen.choose': {
    request: z.strictObject({ sourceId: CaptureSourceId }),
    response: z.strictObject({ sourceId: CaptureSourceId, validForMs: z.number().int().positive() }),
  },
} as const;
