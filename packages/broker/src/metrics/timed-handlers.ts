import type { Listener } from './broker-metrics.js';

type Observe = (api: string, listener: Listener, seconds: number) => void;

/**
 * gRPC handlers that report each unary call's duration, from the request to the callback, under
 * the method's name. Streaming handlers (one argument) pass through: their lifetime is a session,
 * not a request.
 */
export function timedGrpcHandlers<T extends object>(handlers: T, observe: Observe): T {
  const timed: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function' || handler.length !== 2) {
      timed[name] = handler;
      continue;
    }
    timed[name] = (call: unknown, callback: (...args: unknown[]) => void) => {
      const started = process.hrtime.bigint();
      (handler as (call: unknown, callback: unknown) => void)(call, (...args: unknown[]) => {
        observe(name, 'grpc', Number(process.hrtime.bigint() - started) / 1e9);
        callback(...args);
      });
    };
  }
  return timed as T;
}
