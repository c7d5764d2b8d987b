import { QuillError, type ErrorCode } from '@quill/proto';
import { StorageError } from '@quill/storage';
import { RecordsError } from '@quill/records';

/** A broker-side failure with its wire code (and the code's retriable flag). */
export function brokerError(code: ErrorCode, message: string): QuillError {
  return new QuillError(code, message);
}

/** Maps any error from storage or the codec to a QuillError; other errors become UNKNOWN_SERVER_ERROR. */
export function toQuillError(error: unknown): QuillError {
  if (error instanceof QuillError) return error;
  if (error instanceof StorageError || error instanceof RecordsError) {
    return new QuillError(error.code, error.message, { cause: error });
  }
  return new QuillError('UNKNOWN_SERVER_ERROR', error instanceof Error ? error.message : String(error), { cause: error });
}
