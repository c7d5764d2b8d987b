import type { ServerUnaryCall, handleUnaryCall } from '@grpc/grpc-js';
import { ErrorCode, asQuillError } from '@quill/proto';
import { leaderHint, type ControllerServiceContext } from './context.js';

/**
 * A unary handler from a function that computes the answer. A failure is answered in the
 * response's `error`, with a leader hint, never as a transport error; an unexpected one is logged.
 */
export function unary<Request, Response>(
  ctx: ControllerServiceContext,
  answer: (call: ServerUnaryCall<Request, Response>) => Promise<Response>,
): handleUnaryCall<Request, Response> {
  return (call, callback) => {
    answer(call).then(
      (response) => callback(null, response),
      (error: unknown) => {
        const failure = asQuillError(error);
        if (failure.code === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.logger.error({ err: error }, 'controller request failed');
        callback(null, { error: failure.toWire(), leaderHint: leaderHint(ctx) } as Response);
      },
    );
  };
}
