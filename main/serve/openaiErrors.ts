/**
 * Errors as OpenAI's API returns them — `{"error": {"message", "type", "param", "code"}}` with the matching HTTP
 * status — so every OpenAI client raises its usual exception class (400 BadRequestError, 401 AuthenticationError,
 * 429 RateLimitError …) with our message in it.
 */
import type { ServerResponse } from 'node:http';
import { OmniError } from '../engine/errors';

export interface ApiErrorOptions {
  type?: string;
  /** The request field at fault, as a dotted path (`messages.2.content.0.image_url.url`). */
  param?: string;
  code?: string;
  headers?: Record<string, string>;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly options: ApiErrorOptions = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get body(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    const { type = this.status >= 500 ? 'server_error' : 'invalid_request_error', param = null, code = null } = this.options;
    return { error: { message: this.message, type, param, code } };
  }
}

export const invalidRequest = (message: string, param?: string, code?: string) => new ApiError(400, message, { param, code });

/** Media the engine could not decode is the caller's fault; anything else unexpected is ours. */
const CLIENT_FAULTS = new Set(['INVALID_REQUEST', 'AUDIO_DECODE_FAILED', 'IMAGE_DECODE_FAILED', 'VIDEO_DECODE_FAILED']);

export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof OmniError) {
    const message = error.hint ? `${error.message} (${error.hint})` : error.message;
    return new ApiError(CLIENT_FAULTS.has(error.code) ? 400 : 500, message, { code: error.code.toLowerCase() });
  }
  return new ApiError(500, error instanceof Error ? error.message : String(error), { code: 'internal' });
}

export function sendError(res: ServerResponse, error: ApiError): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(error.body);
  res.writeHead(error.status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    // A request refused before its body was read to the end: close rather than read (and drop) the rest.
    ...(!res.req.complete && { Connection: 'close' }),
    ...error.options.headers,
  });
  res.end(body);
}
