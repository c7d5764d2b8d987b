import { status, type ServiceError } from '@grpc/grpc-js';
import { ErrorCode, QuillError } from '@quill/proto';

// gRPC says "connection reset" in several ways depending on where the stream died.
const CONNECTION_DROPPED = /RST_STREAM|ECONNRESET|ECONNREFUSED|EPIPE|GOAWAY|connection (dropped|closed|reset)|socket hang up/i;

// What grpc-js says when the peer closed the connection before HTTP/2 began, without an error of
// its own: a TLS port dropping a plaintext client, or refusing a client certificate under TLS 1.3.
const CLOSED_BEFORE_HTTP2 = /Last error: Failed to connect\b/;
const CLOSED_BEFORE_HTTP2_HINT =
  ' (the broker closed the connection before it began: its port may use TLS, which needs the ssl option, or require a client certificate of its CA)';

/**
 * Turns a failed gRPC call into a QuillError. Transport failures become retriable errors the
 * retry logic understands: the broker may be down or moving (NETWORK_EXCEPTION, which also
 * triggers a metadata refresh) or slow (REQUEST_TIMED_OUT). Anything that would fail the same
 * way again is non-retriable.
 */
export function fromGrpcError(error: ServiceError, address: string, method: string): QuillError {
  const where = `${method} to ${address}`;
  const details = error.details || error.message;
  switch (error.code) {
    case status.UNAVAILABLE:
    case status.CANCELLED:
    case status.ABORTED:
      return new QuillError(ErrorCode.NETWORK_EXCEPTION, `${where} failed: ${details}${CLOSED_BEFORE_HTTP2.test(details) ? CLOSED_BEFORE_HTTP2_HINT : ''}`, { cause: error });
    case status.DEADLINE_EXCEEDED:
      return new QuillError(ErrorCode.REQUEST_TIMED_OUT, `${where} timed out: ${details}`, { cause: error });
    case status.RESOURCE_EXHAUSTED:
      // grpc-js reports a message over grpc.max_(send|receive)_message_length this way.
      return new QuillError(ErrorCode.MESSAGE_TOO_LARGE, `${where}: ${details}`, { cause: error });
    case status.UNIMPLEMENTED:
      return new QuillError(ErrorCode.UNSUPPORTED_VERSION, `${where}: the broker does not implement it (${details})`, {
        cause: error,
      });
    case status.INVALID_ARGUMENT:
      return new QuillError(ErrorCode.INVALID_REQUEST, `${where}: ${details}`, { cause: error });
    case status.UNAUTHENTICATED:
    case status.PERMISSION_DENIED:
      return new QuillError(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, `${where}: ${details}`, { cause: error });
    case status.INTERNAL:
    case status.UNKNOWN:
      if (CONNECTION_DROPPED.test(details)) {
        return new QuillError(ErrorCode.NETWORK_EXCEPTION, `${where} failed: ${details}`, { cause: error });
      }
      return new QuillError(ErrorCode.UNKNOWN_SERVER_ERROR, `${where} failed: ${details}`, { cause: error });
    default:
      return new QuillError(ErrorCode.UNKNOWN_SERVER_ERROR, `${where} failed with gRPC status ${error.code}: ${details}`, {
        cause: error,
      });
  }
}
