import type { UnaryMethod } from '@quill/metadata';
import { errorFromResponse, type Error__Output } from '@quill/proto';
import type { KafkaServices } from '../kafka-services.js';

interface ControllerAnswer {
  error?: Error__Output | null;
}

/**
 * An admin request forwarded to the active controller, as the gRPC Broker service forwards it.
 * A request-level error is thrown (the handler's `errorResponse` answers it); `timeoutMs` is the
 * Kafka request's, bounding the wait for a controller when positive.
 */
export async function callController<R extends ControllerAnswer>(services: KafkaServices, method: UnaryMethod, request: object, timeoutMs = 0): Promise<R> {
  const response = await services.broker.controller.call<R>(method, request, timeoutMs > 0 ? { timeoutMs } : {});
  const error = errorFromResponse(response.error);
  if (error !== undefined) throw error;
  return response;
}
