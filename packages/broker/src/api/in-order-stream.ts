import type { ServerDuplexStream } from '@grpc/grpc-js';

/**
 * Serves a bidirectional stream of requests that each get exactly one answer, in request order
 * (ProduceStream, FetchStream, ReplicaFetchStream). Each request is handled as soon as it is
 * read, so a client may pipeline; answers wait for the ones before them. At most
 * `maxPending` requests are read and unanswered at a time: beyond that the stream is paused, and
 * HTTP/2 flow control holds the client back. `handle` must not reject (it answers failures).
 */
export function serveInOrder<Req, Res>(
  call: ServerDuplexStream<Req, Res>,
  handle: (request: Req) => Promise<Res>,
  maxPending: number,
  answer: (response: Res) => Res = (response) => response,
): void {
  let previous: Promise<void> = Promise.resolve();
  let pending = 0;
  call.on('data', (request: Req) => {
    const response = handle(request);
    if (++pending >= maxPending) call.pause();
    previous = previous.then(async () => {
      const value = await response;
      // A client that went away cancelled the stream: its answer goes nowhere.
      if (!call.cancelled) call.write(answer(value));
      if (--pending < maxPending && call.isPaused()) call.resume();
    });
  });
  call.on('end', () => void previous.then(() => call.end()));
}
