/**
 * Errors that reach a user carry a stable code, a message naming the file or setting at fault and, where one
 * exists, the next step. They cross process boundaries as plain data (`ErrorInfo`), never as Error instances.
 */
export const ERROR_CODES = [
  'INVALID_REQUEST',
  'UNKNOWN_CHANNEL',
  'FORBIDDEN_SENDER',
  'ENGINE_UNAVAILABLE',
  'ENGINE_CRASHED',
  'ENGINE_TIMEOUT',
  'EP_UNAVAILABLE',
  'MODEL_NOT_INSTALLED',
  'CHECKPOINT_INVALID',
  'BUNDLE_CORRUPT',
  'BUILD_FAILED',
  'CATALOG_INVALID',
  'REPO_NOT_FOUND',
  'AUTH_REQUIRED',
  'NETWORK_OFFLINE',
  'DOWNLOAD_FAILED',
  'DOWNLOAD_BUSY',
  'CHECKSUM_MISMATCH',
  'AUDIO_DECODE_FAILED',
  'IMAGE_DECODE_FAILED',
  'VIDEO_DECODE_FAILED',
  'FFMPEG_NOT_FOUND',
  'DISK_FULL',
  'TURN_NOT_FOUND',
  /** A remote server (vLLM-Omni, `omnidesk serve`) could not be reached: refused, unknown host, TLS, reset. */
  'REMOTE_UNREACHABLE',
  /** The server wants an API key, or another one (401): each front end says where the key is set. */
  'REMOTE_AUTH',
  /** The server refused the request: permissions, unknown model or path, rate limit, invalid request. */
  'REMOTE_REJECTED',
  /** The server failed while answering (5xx, or an error in the middle of the stream). */
  'REMOTE_FAILED',
  /** The server did not answer, or stopped sending, within the time allowed. */
  'REMOTE_TIMEOUT',
  /** The server answered in a shape that is not OpenAI-compatible (not JSON, not an event stream, …). */
  'REMOTE_PROTOCOL',
  'CANCELLED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorInfo {
  code: ErrorCode;
  message: string;
  hint?: string;
}

export class OmniError extends Error {
  readonly code: ErrorCode;
  readonly hint?: string;

  constructor(code: ErrorCode, message: string, hint?: string) {
    super(message);
    this.name = 'OmniError';
    this.code = code;
    this.hint = hint;
  }

  toInfo(): ErrorInfo {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }

  static fromInfo(info: ErrorInfo): OmniError {
    return new OmniError(info.code, info.message, info.hint);
  }
}

/** Turns anything thrown into transferable error data; unknown failures keep their message under INTERNAL. */
export function toErrorInfo(error: unknown): ErrorInfo {
  if (error instanceof OmniError) return error.toInfo();
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message };
  return { code: 'INTERNAL', message: String(error) };
}
