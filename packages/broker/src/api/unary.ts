import type { ServerUnaryCall, handleUnaryCall } from '@grpc/grpc-js';
import type { WireError } from '@quill/proto';
import { toQuillError } from '../errors.js';

/** A whole request's failure as its answer's `error` field. */
export function errorResponse(error: unknown): { error: WireError } {
  return { error: toQuillError(error).toWire() };
}

/**
 * A unary gRPC handler from a function that computes the answer. A failure, thrown or rejected,
 * is answered with its code in the response's `error`, never as a transport error.
 */
export function unary<Request, Response extends { error?: unknown }>(
  answer: (call: ServerUnaryCall<Request, Response>) => Response | Promise<Response>,
): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    new Promise<Response>((resolve) => resolve(answer(call))).then(
      (response) => callback(null, response),
      (error: unknown) => callback(null, errorResponse(error) as Response),
    );
  };
}
