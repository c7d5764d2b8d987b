import { ErrorCode, QuillError } from '@quill/proto';

/** The codes a Kafka frame can fail with while it is being read or written. */
export type KafkaProtocolErrorCode =
  | typeof ErrorCode.CORRUPT_MESSAGE
  | typeof ErrorCode.UNSUPPORTED_VERSION
  | typeof ErrorCode.INVALID_REQUEST;

/** A frame that cannot be read (truncated, bad length, unknown version) or a body that cannot be written. */
export class KafkaProtocolError extends QuillError {
  declare readonly code: KafkaProtocolErrorCode;

  constructor(code: KafkaProtocolErrorCode, message: string) {
    super(code, message);
  }
}

export function corrupt(message: string): KafkaProtocolError {
  return new KafkaProtocolError(ErrorCode.CORRUPT_MESSAGE, message);
}
