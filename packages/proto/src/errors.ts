import { ERROR_TABLE, ErrorCode } from './gen/error-table.js';

export { ERROR_TABLE, ErrorCode };

export interface ErrorInfo {
  /** The wire number of the code. */
  readonly code: number;
  readonly name: ErrorCode;
  /** Kafka's classification: the same request may succeed after a backoff (and metadata refresh). */
  readonly retriable: boolean;
  readonly message: string;
}

/** The shape of `quill.v1.Error` on the wire (as decoded with enums as strings). */
export interface WireError {
  code: ErrorCode;
  message: string;
}

const byName = new Map<string, ErrorInfo>();
const byNumber = new Map<number, ErrorInfo>();
for (const row of ERROR_TABLE) {
  const info: ErrorInfo = Object.freeze({ ...row });
  byName.set(row.name, info);
  byNumber.set(row.code, info);
}

/**
 * Looks a code up by name or number. A code this build does not know (a newer peer, or
 * protobufjs handing over the raw number of an unknown enum value) maps to a non-retriable
 * UNKNOWN_SERVER_ERROR that keeps the number, so callers never crash on it.
 */
export function errorInfo(code: ErrorCode | string | number): ErrorInfo {
  const known = typeof code === 'number' ? byNumber.get(code) : byName.get(code);
  if (known) return known;
  return {
    code: typeof code === 'number' ? code : -1,
    name: ErrorCode.UNKNOWN_SERVER_ERROR,
    retriable: false,
    message: `Unknown error code ${String(code)}.`,
  };
}

export function isRetriable(code: ErrorCode | string | number): boolean {
  return errorInfo(code).retriable;
}

export interface QuillErrorOptions {
  cause?: unknown;
}

/** An error carrying a Quill error code; converts to and from `quill.v1.Error`. */
export class QuillError extends Error {
  override readonly name = 'QuillError';
  readonly code: ErrorCode;
  readonly retriable: boolean;

  /** `message` defaults to the code's message from errors.proto. */
  constructor(code: ErrorCode | string | number, message?: string, options?: QuillErrorOptions) {
    const info = errorInfo(code);
    // Only pass options when given so `cause` stays absent rather than undefined.
    if (options && 'cause' in options) super(message ?? info.message, { cause: options.cause });
    else super(message ?? info.message);
    this.code = info.name;
    this.retriable = info.retriable;
  }

  toWire(): WireError {
    return { code: this.code, message: this.message };
  }

  /** Builds an error from a response's `error` field (any code, including NONE). */
  static fromWire(err: { code?: ErrorCode | string | number | null; message?: string | null }): QuillError {
    const message = err.message !== undefined && err.message !== null && err.message !== '' ? err.message : undefined;
    return new QuillError(err.code ?? ErrorCode.NONE, message);
  }

  static is(err: unknown, code?: ErrorCode): err is QuillError {
    return err instanceof QuillError && (code === undefined || err.code === code);
  }
}

/** The message of anything thrown: an Error's message, else its string form. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Anything thrown, for a person to read: `CODE: message` for a QuillError, else its message. */
export function describeError(error: unknown): string {
  return error instanceof QuillError ? `${error.code}: ${error.message}` : errorMessage(error);
}

/**
 * Anything thrown as a QuillError: a QuillError as it is, anything else under `fallbackCode`
 * with its message, keeping the original as `cause`.
 */
export function asQuillError(error: unknown, fallbackCode: ErrorCode = ErrorCode.UNKNOWN_SERVER_ERROR): QuillError {
  if (error instanceof QuillError) return error;
  return new QuillError(fallbackCode, errorMessage(error), { cause: error });
}

/** Anything thrown as the `quill.v1.Error` of a response (UNKNOWN_SERVER_ERROR unless it is a QuillError). */
export function toWireError(error: unknown): WireError {
  return asQuillError(error).toWire();
}

/**
 * The QuillError a response's request-level `error` stands for, or undefined when it is
 * absent (null after decoding) or NONE.
 */
export function errorFromResponse(
  err: { code?: ErrorCode | string | number | null; message?: string | null } | null | undefined,
): QuillError | undefined {
  if (!err) return undefined;
  const info = errorInfo(err.code ?? ErrorCode.NONE);
  return info.name === ErrorCode.NONE && info.code === 0 ? undefined : QuillError.fromWire(err);
}
