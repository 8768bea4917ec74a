/**
 * Serves the built renderer through the desktop app's own `app://` protocol handler, so preview mode gets the
 * same file confinement (no `..`, encoded separators or symlinks out of out/renderer), content types and CSP.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { appResponse } from '../app/protocol';
import { APP_ORIGIN } from '../app/security';

/** What an http:// page needs beyond the protocol's headers; no-store so a rebuild shows on reload. */
const HTTP_HEADERS = {
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

async function respond(root: string, req: IncomingMessage): Promise<Response> {
  const target = req.url ?? '';
  // The protocol handler answers other methods with 405, but `new Request` throws on some (CONNECT, TRACE).
  if (req.method !== 'GET' && req.method !== 'HEAD') return new Response('Method not allowed', { status: 405 });
  // Only origin-form targets ("/path"): an absolute URL would be spliced into the app URL.
  if (!target.startsWith('/')) return new Response('Bad request', { status: 400 });
  return appResponse(root, new Request(`${APP_ORIGIN}${target}`, { method: req.method }));
}

export function staticHandler(root: string) {
  return async (req: IncomingMessage, res: ServerResponse) => {
    const response = await respond(root, req).catch(() => new Response('Internal error', { status: 500 }));
    res.writeHead(response.status, { ...Object.fromEntries(response.headers), ...HTTP_HEADERS });
    if (!response.body) {
      res.end();
      return;
    }
    Readable.fromWeb(response.body as ReadableStream<Uint8Array>)
      .on('error', () => res.destroy())
      .pipe(res);
  };
}
