/**
 * Everything the API rejects with is plain `ErrorInfo`; anything else (a bug, a browser exception) is shown the
 * same way, so no failure reaches the user as silence or "[object Object]".
 */
import type { ErrorCode, ErrorInfo } from '../../main/ipc/contract';

export function asErrorInfo(error: unknown): ErrorInfo {
  if (error && typeof error === 'object' && 'code' in error && 'message' in error) {
    const { code, message, hint } = error as Record<string, unknown>;
    if (typeof code === 'string' && typeof message === 'string') {
      return typeof hint === 'string' ? { code: code as ErrorCode, message, hint } : { code: code as ErrorCode, message };
    }
  }
  return { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) };
}

const TITLES: Partial<Record<ErrorCode, string>> = {
  MODEL_NOT_INSTALLED: 'No model installed',
  ENGINE_UNAVAILABLE: 'The engine is not running',
  ENGINE_CRASHED: 'The engine stopped unexpectedly',
  ENGINE_TIMEOUT: 'The engine did not answer in time',
  EP_UNAVAILABLE: 'Execution provider unavailable',
  BUNDLE_CORRUPT: 'The model files are damaged',
  INVALID_REQUEST: 'The request was refused',
  DISK_FULL: 'The disk is full',
  CANCELLED: 'Cancelled',
  REMOTE_UNREACHABLE: 'The server could not be reached',
  REMOTE_AUTH: 'The server did not accept the API key',
  REMOTE_REJECTED: 'The server refused the request',
  REMOTE_FAILED: 'The server failed to answer',
  REMOTE_TIMEOUT: 'The server did not answer in time',
  REMOTE_PROTOCOL: 'The server answered in a way Omnidesk cannot read',
};

export const errorTitle = (code: ErrorCode) => TITLES[code] ?? 'Something went wrong';
