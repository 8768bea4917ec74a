/**
 * Obtains a direct MessagePort to the engine for binary audio. The port never crosses the API itself: the shell
 * (Electron preload, or the preview bridge) posts it to this window tagged with a nonce we chose, so only the
 * answer to our own request is taken — not a port some other script posted.
 */
import { STREAM_PORT_MESSAGE, type ErrorInfo } from '../../../main/ipc/contract';
import type { OmnideskApi } from '../../../preload/api';
import { asErrorInfo } from '../errors';

export type PortTarget = Pick<Window, 'addEventListener' | 'removeEventListener'> & { location: { origin: string } };

export interface ConnectOptions {
  target?: PortTarget;
  timeoutMs?: number;
}

export function connectEngineStream(
  api: Pick<OmnideskApi, 'engine'>,
  { target = window, timeoutMs = 5000 }: ConnectOptions = {},
): Promise<MessagePort> {
  const nonce = crypto.randomUUID();
  return new Promise<MessagePort>((resolve, reject) => {
    const finish = (port: MessagePort | undefined, error?: ErrorInfo) => {
      clearTimeout(timer);
      target.removeEventListener('message', onMessage);
      if (port) resolve(port);
      else reject(error);
    };
    const onMessage = (event: MessageEvent) => {
      const data: unknown = event.data;
      if (event.source !== target || event.origin !== target.location.origin) return;
      if (!data || typeof data !== 'object' || !('type' in data) || !('nonce' in data)) return;
      if (data.type !== STREAM_PORT_MESSAGE || data.nonce !== nonce || event.ports.length !== 1) return;
      finish(event.ports[0]);
    };
    const timer = setTimeout(
      () =>
        finish(undefined, {
          code: 'ENGINE_TIMEOUT',
          message: `The engine stream did not arrive within ${timeoutMs} ms.`,
          hint: 'Check that the engine is running (status at the bottom left), then try again.',
        }),
      timeoutMs,
    );
    target.addEventListener('message', onMessage);
    api.engine.openStream({ nonce }).catch((error: unknown) => finish(undefined, asErrorInfo(error)));
  });
}
