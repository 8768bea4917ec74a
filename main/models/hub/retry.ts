/**
 * Which failures are worth another try, and how long to wait. A transfer retries on anything the network or a busy
 * server can cause; it stops at once on answers that will not change by waiting (401/403/404, a full disk).
 */
import { HttpStatusError, RedirectLoopError } from './http';

/** A transfer went wrong in a way a retry can fix: a stall, a short body, a range the server got wrong. */
export class TransientError extends Error {}

const TRANSIENT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ERR_STREAM_PREMATURE_CLOSE',
  'HPE_INVALID_CHUNK_SIZE',
  'HPE_UNEXPECTED_CONTENT_LENGTH',
]);

export function isTransient(error: unknown): boolean {
  if (error instanceof TransientError || error instanceof RedirectLoopError) return true;
  if (error instanceof HttpStatusError) return error.status >= 500 || error.status === 408 || error.status === 429;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('HPE_'))) return true;
  return error instanceof Error && /socket hang up|aborted|premature close/i.test(error.message);
}

/** A failure that means "no network here" rather than "this server misbehaved". */
export function isUnreachable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH', 'ENETDOWN'].includes(code);
}

export interface RetryPolicy {
  /** Consecutive failures without useful progress before giving up. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 8, baseDelayMs: 500, maxDelayMs: 30_000 };

/** Exponential back-off with full jitter, so parallel transfers that failed together do not return together. */
export const backoffMs = (policy: RetryPolicy, failures: number, random: () => number = Math.random) =>
  Math.round(random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failures - 1)));

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
