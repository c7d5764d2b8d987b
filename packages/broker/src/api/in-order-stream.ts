import type { ServerDuplexStream } from '@grpc/grpc-js';
import { streamRequestGuardOf } from './stream-request-guard.js';

export interface InOrderOptions<Res> {
  /** Requests read and not answered yet, at most: beyond it the stream is paused. */
  maxPending: number;
  /** The answer for a request whose handling failed (an error response, never a transport error). */
  failed: (error: unknown) => Res;
  /** Applied to each answer just before it is written, in request order. */
  answer?: (response: Res) => Res;
}

/**
 * Serves a bidirectional stream of requests that each get exactly one answer, in request order
 * (ProduceStream, FetchStream, ReplicaFetchStream). Each request is handled as soon as it is
 * read, so a client may pipeline; answers wait for the ones before them. A request counts as
 * pending until its answer has left the write buffer: with `maxPending` pending the stream is
 * paused, so HTTP/2 flow control holds back a client that sends faster than it reads answers.
 * A guard the call carries (stream-request-guard.ts) sees each request first.
 */
export function serveInOrder<Req, Res>(call: ServerDuplexStream<Req, Res>, handle: (request: Req) => Promise<Res>, options: InOrderOptions<Res>): void {
  let previous: Promise<void> = Promise.resolve();
  let pending = 0;
  const guard = streamRequestGuardOf(call);
  const serve = guard === undefined ? handle : (request: Req) => guard(request, handle as (request: unknown) => Promise<unknown>) as Promise<Res>;
  call.on('data', (request: Req) => {
    const response = serve(request).catch(options.failed);
    if (++pending >= options.maxPending) call.pause();
    previous = previous.then(async () => {
      let value: Res;
      try {
        value = await response;
        if (options.answer !== undefined) value = options.answer(value);
      } catch (error) {
        value = options.failed(error);
      }
      // A client that went away cancelled the stream: its answer goes nowhere.
      if (!call.cancelled && !call.write(value)) await drained(call);
      if (--pending < options.maxPending && call.isPaused()) call.resume();
    });
  });
  call.on('end', () => void previous.then(() => call.end()));
}

/** Resolves once the call's write buffer has drained, or the call is gone. */
function drained(call: ServerDuplexStream<unknown, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('close', done);
      resolve();
    };
    call.on('drain', done);
    call.on('close', done);
  });
}
