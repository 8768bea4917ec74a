/**
 * A real HTTP server on 127.0.0.1 for the remote backend's tests: it records each request (with its JSON body)
 * and answers as the test says, typically a recorded response written in pieces cut at awkward places, with a
 * pause between pieces so they reach the client as separate reads.
 */
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { RemoteBackend } from '../../protocol';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export function fixture(name: string): Buffer {
  return readFileSync(path.join(fixtures, name));
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
  /** Resolves when the client's connection closes, with the time it did (performance.now()). */
  closed: Promise<number>;
}

export type Respond = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface ReplayServer {
  /** Base URL with the version path, as a user would type it. */
  baseUrl: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startReplayServer(respond: Respond): Promise<ReplayServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    req.socket.setNoDelay(true);
    const closed = new Promise<number>((resolve) => res.on('close', () => resolve(performance.now())));
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const recorded = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: text ? JSON.parse(text) : undefined, closed };
      requests.push(recorded);
      void respond(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A fresh replay server per test, closed after it: `serve(respond)` starts it and gives the backend that points at
 * it; `server` is the one running.
 */
export function replayServerPerTest(backend: Omit<RemoteBackend, 'baseUrl'>) {
  let current: ReplayServer | undefined;
  afterEach(async () => {
    await current?.close();
    current = undefined;
  });
  return {
    async serve(respond: Respond): Promise<RemoteBackend> {
      current = await startReplayServer(respond);
      return { ...backend, baseUrl: current.baseUrl };
    },
    get server(): ReplayServer {
      if (!current) throw new Error('no replay server is running in this test');
      return current;
    },
  };
}

/** Cut points: every `every` bytes, plus inside `data:`, between the two line feeds ending an event, and after a CR. */
export function awkwardCuts(bytes: Buffer, every = 997): number[] {
  const cuts = new Set<number>();
  for (let at = every; at < bytes.length; at += every) cuts.add(at);
  const text = bytes.toString('latin1');
  for (const [needle, offset] of [['data:', 2], ['\n\n', 1], ['\r\n', 1]] as const) {
    for (let at = text.indexOf(needle), n = 0; at >= 0 && n < 3; at = text.indexOf(needle, at + 1), n++) cuts.add(at + offset);
  }
  return [...cuts].filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b);
}

/** Writes an answer in pieces (200, `contentType`), pausing between them; ends it unless `keepOpen`. */
export async function sendInPieces(response: ServerResponse, bytes: Buffer, options: { contentType?: string; status?: number; cuts?: number[]; pauseMs?: number; keepOpen?: boolean } = {}): Promise<void> {
  const { contentType = 'text/event-stream', status = 200, cuts = awkwardCuts(bytes), pauseMs = 2, keepOpen = false } = options;
  response.writeHead(status, { 'content-type': contentType });
  response.flushHeaders();
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    if (response.destroyed) return;
    response.write(bytes.subarray(start, cut));
    start = cut;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  if (!keepOpen) response.end();
}
