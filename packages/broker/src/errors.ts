import { QuillError, asQuillError, type ErrorCode } from '@quill/proto';
import { StorageError } from '@quill/storage';
import { RecordsError } from '@quill/records';

/** A broker-side failure with its wire code (and the code's retriable flag). */
export function brokerError(code: ErrorCode, message: string): QuillError {
  return new QuillError(code, message);
}

/** Maps an error from storage or the codec to a QuillError with its code; anything else as `asQuillError` does. */
export function toQuillError(error: unknown): QuillError {
  if (error instanceof StorageError || error instanceof RecordsError) {
    return new QuillError(error.code, error.message, { cause: error });
  }
  return asQuillError(error);
}
