/**
 * Model-manager failures: an OmniError whose code is one of the model manager's, so callers can tell a checksum
 * mismatch from a refused token without parsing messages.
 */
import { OmniError, type ErrorCode } from '../engine/errors';

export type ModelErrorReason = Extract<
  ErrorCode,
  | 'DOWNLOAD_FAILED'
  | 'CHECKSUM_MISMATCH'
  | 'NETWORK_OFFLINE'
  | 'AUTH_REQUIRED'
  | 'REPO_NOT_FOUND'
  | 'DOWNLOAD_BUSY'
  | 'CATALOG_INVALID'
  | 'BUILD_FAILED'
  | 'DISK_FULL'
  | 'CANCELLED'
  | 'MODEL_NOT_INSTALLED'
  | 'INVALID_REQUEST'
>;

export class ModelError extends OmniError {
  readonly reason: ModelErrorReason;

  constructor(reason: ModelErrorReason, message: string, hint?: string) {
    super(reason, message, hint);
    this.reason = reason;
  }
}

export const isModelError = (error: unknown, reason?: ModelErrorReason): error is ModelError =>
  error instanceof ModelError && (reason === undefined || error.reason === reason);
