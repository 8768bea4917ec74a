/**
 * Model-manager failures. Each carries the stable code it should have (`reason`) and, until those codes exist in
 * main/engine/errors.ts, travels under the closest existing code — this table is the one place to update when they
 * are added.
 */
import { OmniError, type ErrorCode } from '../engine/errors';

const INTERIM_CODE = {
  DOWNLOAD_FAILED: 'INTERNAL',
  CHECKSUM_MISMATCH: 'BUNDLE_CORRUPT',
  NETWORK_OFFLINE: 'MODEL_NOT_INSTALLED',
  AUTH_REQUIRED: 'INVALID_REQUEST',
  REPO_NOT_FOUND: 'INVALID_REQUEST',
  DOWNLOAD_BUSY: 'INVALID_REQUEST',
  CATALOG_INVALID: 'INTERNAL',
  BUILD_FAILED: 'INTERNAL',
  DISK_FULL: 'DISK_FULL',
  CANCELLED: 'CANCELLED',
  MODEL_NOT_INSTALLED: 'MODEL_NOT_INSTALLED',
  INVALID_REQUEST: 'INVALID_REQUEST',
} as const satisfies Record<string, ErrorCode>;

export type ModelErrorReason = keyof typeof INTERIM_CODE;

export class ModelError extends OmniError {
  readonly reason: ModelErrorReason;

  constructor(reason: ModelErrorReason, message: string, hint?: string) {
    super(INTERIM_CODE[reason], message, hint);
    this.reason = reason;
  }
}

export const isModelError = (error: unknown, reason?: ModelErrorReason): error is ModelError =>
  error instanceof ModelError && (reason === undefined || error.reason === reason);
