/**
 * Registers the contract's channels on Electron's ipcMain. Each handler first checks that the message comes from
 * the app's own top frame (a frame of another origin or an iframe is rejected), then runs the shared dispatch,
 * which validates the payload. Nothing else in the app may call `ipcMain.handle` or `ipcMain.on`.
 */
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import { invokeChannels, ipcChannel, type InvokeChannel, type InvokeResult } from './contract';
import { dispatch, type Handlers } from './dispatch';

export interface SenderFrame {
  url: string;
  /** The frame's parent, null for a top frame. */
  parent: unknown;
}

/**
 * scheme://host[:port] of a URL. WHATWG `URL.origin` is "null" for schemes Node does not know as special (our
 * `app:` scheme among them), so it cannot be compared directly.
 */
export function originOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return parsed.host ? `${parsed.protocol}//${parsed.host}` : undefined;
  } catch {
    return undefined;
  }
}

/** True only for our own top-level page, loaded from the app origin. */
export function isTrustedSender(frame: SenderFrame | null | undefined, appOrigin: string): boolean {
  if (!frame || frame.parent !== null) return false;
  return originOf(frame.url) === appOrigin;
}

/** The part of an invoke event a handler needs; the per-window handler table gets the sender to reply to. */
export type HandlersFor = (sender: WebContents) => Handlers;

export function registerIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, handlersFor: HandlersFor, appOrigin: string) {
  const channels = Object.keys(invokeChannels) as InvokeChannel[];
  for (const channel of channels) {
    ipcMain.handle(ipcChannel(channel), (event: IpcMainInvokeEvent, payload: unknown): Promise<InvokeResult<unknown>> => {
      if (!isTrustedSender(event.senderFrame, appOrigin)) {
        const url = event.senderFrame?.url ?? 'an unknown frame';
        return Promise.resolve({
          ok: false,
          error: { code: 'FORBIDDEN_SENDER', message: `IPC ${channel} refused: sent from ${url}, not the app's own page` },
        });
      }
      return dispatch(handlersFor(event.sender), channel, payload);
    });
  }
  return () => channels.forEach((channel) => ipcMain.removeHandler(ipcChannel(channel)));
}
