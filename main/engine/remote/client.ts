/**
 * The HTTP side of a remote server speaking OpenAI's API (vLLM-Omni, `omnidesk serve`): listing its models and
 * streaming a chat completion, over Node's global fetch. Every way a request can fail becomes an OmniError whose
 * message names the server ("gpu-box:8091 rejected the API key (401): …"), so the user sees which machine and which
 * setting is at fault. Two clocks guard a request: the server must answer (status and headers) within
 * `connectMs` (plus a second per MiB the request sends), and then never fall silent for longer than `idleMs` while
 * the body streams.
 */
import { OmniError } from '../errors';
import type { RemoteBackend } from '../protocol';
import { SseParser } from './sse';

export interface RemoteTimeouts {
  /** Until the response's status and headers arrive. */
  connectMs: number;
  /** Between two pieces of the body. */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: RemoteTimeouts = { connectMs: 10_000, idleMs: 60_000 };

/** A whole answer (a model list, an error, a non-streamed completion with its WAV) is read up to this size. */
const MAX_BODY_BYTES = 256 * 1024 * 1024;
/** Enough of an error body to find its message; a proxy's HTML page need not be read to the end. */
const MAX_ERROR_BODY_BYTES = 64 * 1024;

/** Where a server is and how to sign in; the model is not needed to list the models. */
type ServerAddress = Omit<RemoteBackend, 'model'> & { model?: string };

/** How messages name the server: host and port as the user typed them. */
export function serverName(backend: Pick<RemoteBackend, 'baseUrl'>): string {
  return new URL(backend.baseUrl).host;
}

export interface ListModelsOptions {
  signal?: AbortSignal;
  /** For the whole request; default 10 s. */
  timeoutMs?: number;
}

/** The ids of the models the server offers (`GET /models`): the app's "Test connection". */
export async function listRemoteModels(backend: Omit<RemoteBackend, 'model'>, options: ListModelsOptions = {}): Promise<string[]> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUTS.connectMs;
  const exchange = new Exchange(backend, 'GET', '/models', { connectMs: timeoutMs, idleMs: timeoutMs }, options.signal);
  try {
    const response = await exchange.send();
    const body = exchange.parseJson(await exchange.readText(response, MAX_BODY_BYTES));
    const data = (body as { data?: unknown }).data;
    if (!Array.isArray(data) || !data.every((m) => typeof (m as { id?: unknown })?.id === 'string')) {
      throw exchange.protocolError('its model list is not {"data": [{"id": …}, …]}');
    }
    return data.map((m: { id: string }) => m.id);
  } finally {
    exchange.dispose();
  }
}

export interface ChatStreamOptions {
  signal?: AbortSignal;
  timeouts?: RemoteTimeouts;
}

/**
 * Sends `POST /chat/completions` and resolves once the server accepted it (status 200), so a wrong address, key or
 * model fails here. The result yields each chunk's JSON in order and ends at `[DONE]`; a server that ignored
 * `stream: true` and answered with one JSON completion yields that completion alone.
 */
export async function openChatStream(backend: RemoteBackend, body: unknown, options: ChatStreamOptions = {}): Promise<AsyncIterable<unknown>> {
  const exchange = new Exchange(backend, 'POST', '/chat/completions', options.timeouts ?? DEFAULT_TIMEOUTS, options.signal);
  try {
    const response = await exchange.send(JSON.stringify(body));
    const type = response.headers.get('content-type') ?? '';
    if (/^text\/event-stream\b/i.test(type)) return exchange.chunks(response);
    if (/^application\/json\b/i.test(type)) return exchange.wholeCompletion(response);
    throw exchange.protocolError(`it answered ${type || 'without a content type'} instead of an event stream`);
  } catch (error) {
    exchange.dispose();
    throw error;
  }
}

/** One request to the server, its clocks, and the translation of every failure into a message naming the server. */
class Exchange {
  private readonly controller = new AbortController();
  private readonly url: URL;
  private readonly host: string;
  private timer?: NodeJS.Timeout;
  private expired?: OmniError;
  private readonly onOuterAbort = () => this.controller.abort(this.outer?.reason);

  constructor(
    private readonly backend: ServerAddress,
    private readonly method: 'GET' | 'POST',
    path: string,
    private readonly timeouts: RemoteTimeouts,
    private readonly outer?: AbortSignal,
  ) {
    this.url = new URL(`${backend.baseUrl.replace(/\/+$/, '')}${path}`);
    this.host = serverName(backend);
    if (outer?.aborted) this.controller.abort(outer.reason);
    else outer?.addEventListener('abort', this.onOuterAbort, { once: true });
  }

  async send(body?: string): Promise<Response> {
    const answerMs = this.timeouts.connectMs + bodyAllowanceMs(body);
    this.arm(answerMs, () => `${this.host} did not answer within ${seconds(answerMs)}`);
    let response: Response;
    try {
      response = await fetch(this.url, {
        method: this.method,
        headers: {
          accept: this.method === 'POST' ? 'text/event-stream, application/json' : 'application/json',
          ...(body !== undefined && { 'content-type': 'application/json' }),
          ...(this.backend.apiKey && { authorization: `Bearer ${this.backend.apiKey}` }),
        },
        body,
        signal: this.controller.signal,
        redirect: 'error',
      });
    } catch (error) {
      throw this.failure(error, 'connect');
    }
    this.disarm();
    if (!response.ok) throw this.httpError(response.status, await this.readText(response, MAX_ERROR_BODY_BYTES).catch(() => ''));
    return response;
  }

  async *chunks(response: Response): AsyncGenerator<unknown> {
    const parser = new SseParser();
    const decoder = new TextDecoder();
    try {
      for await (const bytes of this.body(response)) {
        for (const event of parser.push(decoder.decode(bytes, { stream: true }))) {
          if (event.data === '[DONE]') return;
          yield this.parseJson(event.data);
        }
      }
      throw this.protocolError('it closed the stream before its end ([DONE])');
    } finally {
      this.dispose();
    }
  }

  async *wholeCompletion(response: Response): AsyncGenerator<unknown> {
    try {
      yield this.parseJson(await this.readText(response, MAX_BODY_BYTES));
    } finally {
      this.dispose();
    }
  }

  async readText(response: Response, maxBytes: number): Promise<string> {
    const decoder = new TextDecoder();
    let text = '';
    let bytes = 0;
    for await (const piece of this.body(response)) {
      bytes += piece.byteLength;
      text += decoder.decode(piece, { stream: true });
      if (bytes >= maxBytes) {
        if (maxBytes === MAX_ERROR_BODY_BYTES) break;
        throw this.protocolError(`its answer is larger than ${maxBytes / 1024 / 1024} MB`);
      }
    }
    return text + decoder.decode();
  }

  /** The response body piece by piece, each piece restarting the idle clock. */
  private async *body(response: Response): AsyncGenerator<Uint8Array> {
    if (!response.body) return;
    const reader = response.body.getReader();
    const idle = () => `${this.host} stopped sending for ${seconds(this.timeouts.idleMs)} in the middle of its answer`;
    try {
      for (;;) {
        this.arm(this.timeouts.idleMs, idle);
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          throw this.failure(error, 'read');
        }
        if (next.done) return;
        yield next.value;
      }
    } finally {
      this.disarm();
      reader.releaseLock();
    }
  }

  parseJson(text: string): unknown {
    try {
      return JSON.parse(text);
    } catch {
      throw this.protocolError(`it sent something that is not JSON: ${excerpt(text) || '(nothing)'}`);
    }
  }

  protocolError(problem: string): OmniError {
    return new OmniError(
      'REMOTE_PROTOCOL',
      `${this.host} did not answer like an OpenAI-compatible server: ${problem}.`,
      'Check the base URL: it usually ends in /v1 (e.g. http://gpu-box:8091/v1).',
    );
  }

  /** Aborts the exchange: its socket closes, and pending reads reject. */
  dispose(): void {
    this.disarm();
    this.outer?.removeEventListener('abort', this.onOuterAbort);
    this.controller.abort();
  }

  private arm(ms: number, message: () => string): void {
    this.disarm();
    this.timer = setTimeout(() => {
      this.expired = new OmniError('REMOTE_TIMEOUT', `${message()}.`, 'Check that the server is running and not overloaded, then try again.');
      this.controller.abort(this.expired);
    }, ms);
  }

  private disarm(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** What went wrong, as the user should read it; the caller's own abort passes through unchanged. */
  private failure(error: unknown, phase: 'connect' | 'read'): unknown {
    if (this.expired) return this.expired;
    if (this.outer?.aborted) return error;
    if (error instanceof OmniError) return error;
    const cause = (error as { cause?: { code?: unknown; message?: unknown } })?.cause;
    const code = typeof cause?.code === 'string' ? cause.code : '';
    const detail = typeof cause?.message === 'string' ? cause.message : error instanceof Error ? error.message : String(error);
    if (phase === 'read') {
      return new OmniError('REMOTE_UNREACHABLE', `The connection to ${this.host} broke in the middle of its answer: ${detail}.`, 'Check the network and the server, then try again.');
    }
    if (code === 'UND_ERR_CONNECT_TIMEOUT') {
      return new OmniError('REMOTE_TIMEOUT', `Could not reach ${this.host}: the connection timed out.`, 'Check the address and that the server is reachable from this machine.');
    }
    return new OmniError('REMOTE_UNREACHABLE', `Could not reach ${this.host}: ${networkProblem(code, detail, this.url.hostname)}.`, networkHint(code));
  }

  private httpError(status: number, text: string): OmniError {
    const said = serverMessage(text);
    const tail = said ? `: ${said}` : '';
    const where = `${this.method} ${this.url.pathname}`;
    switch (status) {
      case 401:
        return new OmniError('REMOTE_AUTH', `${this.host} rejected the API key (401)${tail}`, this.backend.apiKey ? 'Check the API key set for this server.' : 'This server needs an API key: set one for it in Settings.');
      case 403:
        return new OmniError('REMOTE_REJECTED', `${this.host} refused access (403)${tail}`, 'Check the API key set for this server and what it is allowed to do.');
      case 404:
        return new OmniError(
          'REMOTE_REJECTED',
          `${this.host} has no ${where}${this.backend.model ? `, or no model "${this.backend.model}"` : ''} (404)${tail}`,
          'Check the base URL (it usually ends in /v1) and the model name.',
        );
      case 429:
        return new OmniError('REMOTE_REJECTED', `${this.host} is busy (429 Too Many Requests)${tail}`, 'Wait a moment and try again.');
      default:
        return status >= 500
          ? new OmniError('REMOTE_FAILED', `${this.host} failed to answer ${where} (${status})${tail}`, "The server's log has the details.")
          : new OmniError('REMOTE_REJECTED', `${this.host} rejected ${where} (${status})${tail}`);
    }
  }
}

function networkProblem(code: string, detail: string, hostname: string): string {
  switch (code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name ${hostname} was not found`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'the connection was closed by the other side';
    default:
      return isTlsCode(code) ? `the secure connection failed (${detail})` : detail;
  }
}

function networkHint(code: string): string {
  if (code === 'ECONNREFUSED') return 'Check that the server is running and listening on that port.';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'Check the host name in the base URL.';
  if (isTlsCode(code)) return 'Check whether the server speaks https or http, and that its certificate is valid for this host.';
  return 'Check the base URL and that the server is reachable from this machine.';
}

function isTlsCode(code: string): boolean {
  return /^(ERR_TLS|ERR_SSL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|EPROTO)/.test(code);
}

/** The message in an error body: OpenAI's `{error: {message}}`, vLLM's older `{message}`, FastAPI's `{detail}`. */
function serverMessage(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return excerpt(text.replace(/<[^>]*>/g, ' ')) || undefined;
  }
  const { error, message, detail } = (body ?? {}) as { error?: unknown; message?: unknown; detail?: unknown };
  const candidates = [(error as { message?: unknown })?.message, error, message, detail];
  const found = candidates.find((c) => typeof c === 'string' && c.trim());
  if (typeof found === 'string') return excerpt(found, 500);
  if (Array.isArray(detail)) return excerpt(detail.map((d: { msg?: unknown }) => String(d?.msg ?? JSON.stringify(d))).join('; '), 500);
  return excerpt(text);
}

function excerpt(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/**
 * A request's body has to reach the server, and its media (a webcam clip, a screenshot as a data URL) be decoded
 * there, before the server answers: vLLM sends its headers only after that. So the answer clock gets a second more
 * per MiB of body, counted in whole tenths (a slow Wi-Fi link, a busy server), on top of `connectMs`.
 */
function bodyAllowanceMs(body: string | undefined): number {
  return body === undefined ? 0 : Math.floor((Buffer.byteLength(body) / (1024 * 1024)) * 10) * 100;
}

function seconds(ms: number): string {
  return `${ms / 1000} s`;
}
