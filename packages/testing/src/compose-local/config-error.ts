import { ErrorCode, QuillError } from '@quill/proto';

/** A problem with the compose file or the options: said in one line, exit code 2. */
export function configError(message: string): QuillError {
  return new QuillError(ErrorCode.INVALID_CONFIG, message);
}

export function isConfigError(error: unknown): error is QuillError {
  return QuillError.is(error, ErrorCode.INVALID_CONFIG);
}
