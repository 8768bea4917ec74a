/**
 * Screen capture by the user's choice. The page asks for the screens and windows (`screen.sources`: names,
 * thumbnails, application icons), the user picks one, the page names it (`screen.choose`), and calls
 * `getDisplayMedia`. Main remembers that one choice per window for a short while, and the session's display-media
 * handler grants exactly that source, once. Without a fresh choice, or when the chosen window has gone since, the
 * request is refused: nothing is ever shared that the user did not pick.
 */
import type { DesktopCapturer, DesktopCapturerSource, NativeImage } from 'electron';
import { OmniError } from '../engine/errors';
import type { CaptureSource } from '../ipc/contract';
import type { ScreenCapture } from '../ipc/screenCapture';

/** How long a choice waits for its request: the page asks right after the picker closes. */
export const CHOICE_VALID_MS = 15_000;
/** Thumbnails big enough to tell two windows apart in a grid, small enough to list thirty of them quickly. */
export const THUMBNAIL_SIZE = { width: 320, height: 200 };
const ICON_SIZE = 32;

type Capturer = Pick<DesktopCapturer, 'getSources'>;

interface Choice {
  sourceId: string;
  expiresAt: number;
}

const png = (image: NativeImage | null | undefined, width?: number) =>
  !image || image.isEmpty() ? undefined : new Uint8Array(width ? image.resize({ width }).toPNG() : image.toPNG());

export function toCaptureSource(source: DesktopCapturerSource): CaptureSource {
  const icon = png(source.appIcon, ICON_SIZE);
  return {
    id: source.id,
    name: source.name,
    kind: source.id.startsWith('screen:') ? 'screen' : 'window',
    thumbnail: png(source.thumbnail) ?? new Uint8Array(),
    ...(icon ? { icon } : {}),
  };
}

export class DisplayCapture {
  /** By window (its WebContents): a closed window's choice goes with it. */
  private readonly choices = new WeakMap<object, Choice>();

  constructor(
    private readonly capturer: Capturer,
    private readonly now: () => number = Date.now,
  ) {}

  async sources(): Promise<CaptureSource[]> {
    const sources = await this.capturer.getSources({ types: ['screen', 'window'], thumbnailSize: THUMBNAIL_SIZE, fetchWindowIcons: true });
    return sources.map(toCaptureSource);
  }

  /** Remembers `sourceId` for `window`'s next display-media request; refuses a source that is not there now. */
  async choose(window: object, sourceId: string): Promise<{ sourceId: string; validForMs: number }> {
    if (!(await this.find(sourceId))) {
      throw new OmniError('INVALID_REQUEST', `screen.choose: sourceId "${sourceId}" is not a screen or window that can be captured now`, 'List the sources again and pick one of them.');
    }
    this.choices.set(window, { sourceId, expiresAt: this.now() + CHOICE_VALID_MS });
    return { sourceId, validForMs: CHOICE_VALID_MS };
  }

  /** The source to grant `window`'s display-media request: its choice, used up now, if still fresh and listed. */
  async take(window: object | undefined): Promise<DesktopCapturerSource | undefined> {
    const choice = window && this.choices.get(window);
    if (!window || !choice) return undefined;
    this.choices.delete(window);
    if (this.now() > choice.expiresAt) return undefined;
    return this.find(choice.sourceId);
  }

  /** The screen channels of one window. */
  forWindow(window: object): ScreenCapture {
    return { sources: () => this.sources(), choose: (sourceId) => this.choose(window, sourceId) };
  }

  private async find(sourceId: string): Promise<DesktopCapturerSource | undefined> {
    // No thumbnails: capturing a picture of every window only to match an id would cost a second per call.
    const sources = await this.capturer.getSources({ types: ['screen', 'window'], thumbnailSize: { width: 0, height: 0 } });
    return sources.find((source) => source.id === sourceId);
  }
}
