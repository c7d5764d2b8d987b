import type { EventEmitter } from 'node:events';
import type { Listener } from './broker-metrics.js';

/** What the wrapped handlers report: unary calls' durations, and streams opening (+1) and ending (-1). */
export interface HandlerObserver {
  request(api: string, listener: Listener, seconds: number): void;
  stream(api: string, delta: 1 | -1): void;
}

/** Events after which a server stream is over, whichever comes first. */
const STREAM_END_EVENTS = ['close', 'finish', 'error', 'cancelled'];

/**
 * gRPC handlers that report each unary call's duration, from the request to the callback, under
 * the method's name, and count each streaming call (fetch sessions, metadata streams) while open.
 */
export function timedGrpcHandlers<T extends object>(handlers: T, observe: HandlerObserver): T {
  const timed: Record<string, unknown> = {};
  for (const [name, handler] of Object.entries(handlers)) {
    if (typeof handler !== 'function') {
      timed[name] = handler;
    } else if (handler.length === 2) {
      timed[name] = (call: unknown, callback: (...args: unknown[]) => void) => {
        const started = process.hrtime.bigint();
        (handler as (call: unknown, callback: unknown) => void)(call, (...args: unknown[]) => {
          observe.request(name, 'grpc', Number(process.hrtime.bigint() - started) / 1e9);
          callback(...args);
        });
      };
    } else {
      timed[name] = (call: EventEmitter) => {
        observe.stream(name, 1);
        let open = true;
        const ended = (): void => {
          if (!open) return;
          open = false;
          observe.stream(name, -1);
        };
        for (const event of STREAM_END_EVENTS) call.once(event, ended);
        (handler as (call: unknown) => void)(call);
      };
    }
  }
  return timed as T;
}
