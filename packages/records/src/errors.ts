/** Why a byte sequence is not a valid record batch. Names match the wire ErrorCode they map to. */
export type RecordsErrorCode =
  | 'CORRUPT_MESSAGE'
  | 'INVALID_RECORD'
  | 'UNSUPPORTED_COMPRESSION_TYPE'
  | 'UNSUPPORTED_VERSION'
  | 'MESSAGE_TOO_LARGE';

/** The only error the codec throws on bad input: anything else escaping the decoder is a bug. */
export class RecordsError extends Error {
  override readonly name = 'RecordsError';
  constructor(
    readonly code: RecordsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isRecordsError(error: unknown): error is RecordsError {
  return error instanceof RecordsError;
}
