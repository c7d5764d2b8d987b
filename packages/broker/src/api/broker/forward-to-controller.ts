import type { ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import type { UnaryMethod } from '@quill/metadata';
import { unary } from '../unary.js';
import type { BrokerServiceContext } from './context.js';

/**
 * An admin call (CreateTopics, DescribeCluster, ...): the same request and answer as the
 * Controller service's, forwarded to the active controller.
 */
export function forwardToController(ctx: BrokerServiceContext, method: UnaryMethod): (call: ServerUnaryCall<object, object>, callback: sendUnaryData<object>) => void {
  return unary<object, object>((call) => ctx.controller.call(method, call.request));
}
