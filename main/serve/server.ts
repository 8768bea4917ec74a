/**
 * `omnidesk serve`: an OpenAI-compatible HTTP API over the local engine, in this process (issue #9).
 *
 *   GET  /v1/models              the bundle's model
 *   POST /v1/chat/completions    text, image, audio and video in; text and speech out, whole or streamed
 *
 * Every request needs the token (access.ts); the server listens on loopback unless told otherwise. Requests are
 * read under a size limit and a deadline (requestBody.ts) and wait in a short queue for the one model
 * (turnQueue.ts). Errors are OpenAI's shape (openaiErrors.ts). `close()` stops the turn in flight within a step.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OmniError } from '../engine/errors';
import { accessCheck, hostPort, isLoopback } from './access';
import { chatCompletions, type ChatContext } from './chatCompletions';
import { ApiError, sendError, toApiError } from './openaiErrors';
import { ServedModel } from './servedModel';
import { SpokenReplies } from './spokenReplies';
import { TurnQueue } from './turnQueue';

export interface ServeOptions {
  bundleDir: string;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port. */
  port?: number;
  /** What clients send as `Authorization: Bearer <token>`. */
  token: string;
  /** The engine's state (the execution-provider probe's sentinel). */
  stateDir: string;
  /** Where a turn's temporary media files go (videos for ffmpeg). */
  scratchDir: string;
  /** Required to listen on anything but a loopback address. */
  allowNonLoopback?: boolean;
}

export interface RunningServer {
  /** The API's base URL, e.g. http://127.0.0.1:8765/v1. */
  url: string;
  /** The model id clients name. */
  model: string;
  close(): Promise<void>;
}

export interface ServeLimits {
  /** Largest request body: a chat with media inline as base64. */
  maxBodyBytes: number;
  /** Time for a request body to arrive in full. */
  bodyDeadlineMs: number;
  /** Requests waiting for the model behind the running one; more are refused with 429. */
  maxWaiting: number;
}

export const DEFAULT_LIMITS: ServeLimits = { maxBodyBytes: 64 * 2 ** 20, bodyDeadlineMs: 60_000, maxWaiting: 4 };

export async function startServer(options: ServeOptions, limits: Partial<ServeLimits> = {}): Promise<RunningServer> {
  const { maxBodyBytes, bodyDeadlineMs, maxWaiting } = { ...DEFAULT_LIMITS, ...limits };
  const host = options.host ?? '127.0.0.1';
  if (!isLoopback(host) && !options.allowNonLoopback) {
    throw new OmniError('INVALID_REQUEST', `refusing to listen on ${host}: the API listens on loopback (127.0.0.1) unless non-loopback addresses are allowed`);
  }
  if (!/^\S+$/.test(options.token)) throw new OmniError('INVALID_REQUEST', 'the API token must be a non-empty string without spaces');

  const model = await ServedModel.open(options.bundleDir, { stateDir: options.stateDir });
  const chat: ChatContext = {
    model,
    queue: new TurnQueue(maxWaiting),
    replies: new SpokenReplies(),
    scratchDir: options.scratchDir,
    bodyLimits: { maxBytes: maxBodyBytes, deadlineMs: bodyDeadlineMs },
  };
  /** Requests being handled, each with the controller that stops its turn. */
  const inFlight = new Map<AbortController, Promise<void>>();
  const http = createServer((req, res) => {
    const controller = new AbortController();
    // A client that goes away stops its turn: nobody would read the rest (the 499 reaches no one).
    res.once('close', () => controller.abort(new ApiError(499, 'The client closed the connection.')));
    const handled = handle(req, res, controller.signal)
      .catch((error: unknown) => sendError(res, toApiError(error)))
      .finally(() => inFlight.delete(controller));
    inFlight.set(controller, handled);
  });

  // Set once the port is known; nothing is served before.
  let checkAccess = (_req: IncomingMessage): void => {
    throw new ApiError(503, 'The server is starting.');
  };
  async function handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    checkAccess(req);
    const { pathname } = new URL(req.url ?? '/', 'http://server');
    const route = `${req.method} ${pathname.replace(/\/+$/, '')}`;
    if (route === 'GET /v1/models') return json(res, { object: 'list', data: [modelObject(model)] });
    if (route === `GET /v1/models/${encodeURIComponent(model.id)}`) return json(res, modelObject(model));
    if (route === 'POST /v1/chat/completions') return chatCompletions(req, res, chat, signal);
    const allowed = pathname.startsWith('/v1/models') ? 'GET' : pathname === '/v1/chat/completions' ? 'POST' : undefined;
    if (allowed && req.method !== allowed) throw new ApiError(405, `${req.method} is not allowed on ${pathname}; use ${allowed}.`, { headers: { Allow: allowed } });
    throw new ApiError(404, `Unknown request URL: ${req.method} ${pathname}. This server offers GET /v1/models and POST /v1/chat/completions.`, { code: 'unknown_url' });
  }

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(options.port ?? 0, host, () => {
        http.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    await model.release();
    throw error;
  }
  const { port } = http.address() as AddressInfo;
  checkAccess = accessCheck(options.token, { host, port });

  let closing: Promise<void> | undefined;
  return {
    url: `http://${hostPort(host, port)}/v1`,
    model: model.id,
    close: () =>
      (closing ??= (async () => {
        const stopped = new Promise<void>((resolve) => http.close(() => resolve()));
        const shutdown = new ApiError(503, 'The server is shutting down: the reply was stopped.', { code: 'server_shutting_down' });
        for (const controller of inFlight.keys()) controller.abort(shutdown);
        await Promise.allSettled(inFlight.values());
        http.closeAllConnections();
        await stopped;
        await model.release();
      })()),
  };
}

function modelObject(model: ServedModel) {
  return { id: model.id, object: 'model', created: model.created, owned_by: 'omnidesk' };
}

function json(res: ServerResponse, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) }).end(text);
}
