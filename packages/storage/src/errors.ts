/** Names match the wire ErrorCode each maps to, so the broker can pass them through unchanged. */
export type StorageErrorCode =
  | 'OFFSET_OUT_OF_RANGE'
  | 'CORRUPT_MESSAGE'
  | 'INVALID_RECORD'
  | 'MESSAGE_TOO_LARGE'
  | 'KAFKA_STORAGE_ERROR'
  | 'INVALID_REQUEST'
  | 'POLICY_VIOLATION';

/** An expected storage condition (bad input, damaged files, out-of-range reads): callers handle it. */
export class StorageError extends Error {
  override readonly name = 'StorageError';
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
