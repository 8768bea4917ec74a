/**
 * GET/HEAD over node:http(s) with redirects followed by hand: the Hub answers `resolve` URLs of large files with a
 * 302 to a CDN, and the token must not follow a redirect to another origin (huggingface_hub drops it too) — the CDN
 * URL is presigned. node:http rather than fetch so every socket goes through one place that tests can watch, and
 * so a response body is a plain stream that can be paused, destroyed on a stall and read with back-pressure.
 */
import http from 'node:http';
import https from 'node:https';

const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 5;

export class HttpStatusError extends Error {
  constructor(
    readonly status: number,
    readonly url: string,
    /** The Hub's `X-Error-Code` (RepoNotFound, RevisionNotFound, GatedRepo, EntryNotFound…), if any. */
    readonly hubCode: string | undefined,
  ) {
    super(`HTTP ${status} from ${url}${hubCode ? ` (${hubCode})` : ''}`);
  }
}

export class RedirectLoopError extends Error {}

export interface OpenOptions {
  method?: 'GET' | 'HEAD';
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

export interface Opened {
  response: http.IncomingMessage;
  /** Where the body really came from, after redirects. */
  url: URL;
}

function send(url: URL, method: string, headers: Record<string, string>, signal?: AbortSignal): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = (url.protocol === 'https:' ? https : http).request(url, { method, headers, signal }, resolve);
    request.on('error', reject);
    request.end();
  });
}

/** Opens `url`, following redirects; a non-2xx final answer is drained and thrown as `HttpStatusError`. */
export async function openUrl(start: URL, options: OpenOptions = {}): Promise<Opened> {
  let url = start;
  let headers: Record<string, string> = { 'accept-encoding': 'identity', ...options.headers };
  for (let hop = 0; ; hop++) {
    const response = await send(url, options.method ?? 'GET', headers, options.signal);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (REDIRECTS.has(status) && location) {
      response.resume();
      if (hop === MAX_REDIRECTS) throw new RedirectLoopError(`more than ${MAX_REDIRECTS} redirects from ${start.href}`);
      const next = new URL(location, url);
      if (next.origin !== url.origin) {
        const { authorization: _dropped, ...rest } = headers;
        headers = rest;
      }
      url = next;
      continue;
    }
    if (status < 200 || status > 299) {
      response.resume();
      const hubCode = response.headers['x-error-code'];
      throw new HttpStatusError(status, url.href, typeof hubCode === 'string' ? hubCode : undefined);
    }
    return { response, url };
  }
}

export async function readJson(start: URL, options: OpenOptions = {}): Promise<unknown> {
  const { response } = await openUrl(start, { ...options, headers: { accept: 'application/json', ...options.headers } });
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
