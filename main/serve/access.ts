/**
 * Who may use the API (desktop-ux.md §3.1 item 10): a program on this machine that holds the token. Browsers are
 * kept out twice over — no CORS headers are ever sent, and a request carrying an `Origin` is refused — and on a
 * loopback address the Host header must name this server, so a DNS-rebound name that resolves to 127.0.0.1 gets
 * nowhere even before the token is checked.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { ApiError } from './openaiErrors';

export function isLoopback(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1');
  if (bare === 'localhost' || bare === '::1') return true;
  return isIP(bare) === 4 && bare.startsWith('127.');
}

/** `host:port` as a URL or a Host header writes it (an IPv6 address in brackets). */
export const hostPort = (host: string, port: number) => `${isIP(host) === 6 ? `[${host}]` : host}:${port}`;

/** Host header values that name a loopback server: its own address, `localhost` and the usual loopbacks. */
function loopbackHosts(bound: { host: string; port: number }): Set<string> {
  return new Set([bound.host, '127.0.0.1', 'localhost', '::1'].map((name) => hostPort(name, bound.port)));
}

/** Throws the OpenAI-shaped 401/403 for a request that may not be served. */
export function accessCheck(token: string, bound: { host: string; port: number }): (req: IncomingMessage) => void {
  const expected = digest(token);
  const hosts = isLoopback(bound.host) ? loopbackHosts(bound) : undefined;
  return (req) => {
    if (req.headers.origin !== undefined) {
      throw new ApiError(403, `Requests from web pages (Origin: ${req.headers.origin}) are not allowed: this API is for programs on this machine.`, {
        code: 'origin_not_allowed',
      });
    }
    if (hosts && !hosts.has(req.headers.host ?? '')) {
      throw new ApiError(403, `Host "${req.headers.host ?? ''}" is not this server: use http://${hostPort(bound.host, bound.port)}.`, { code: 'host_not_allowed' });
    }
    const header = req.headers.authorization ?? '';
    const offered = /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    // Digests of equal length, so the comparison takes the same time whatever was offered.
    if (offered === undefined || !timingSafeEqual(digest(offered), expected)) {
      throw new ApiError(
        401,
        offered === undefined
          ? 'No API key: send the token that omnidesk serve printed as "Authorization: Bearer <token>".'
          : 'Incorrect API key: it is not the token this omnidesk serve was started with.',
        { code: 'invalid_api_key', headers: { 'WWW-Authenticate': offered === undefined ? 'Bearer realm="omnidesk"' : 'Bearer realm="omnidesk", error="invalid_token"' } },
      );
    }
  };
}

const digest = (text: string) => createHash('sha256').update(text).digest();
