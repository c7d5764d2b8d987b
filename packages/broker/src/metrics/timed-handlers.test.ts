import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { timedGrpcHandlers } from './timed-handlers.js';

describe('timedGrpcHandlers', () => {
  it('times unary calls by method and counts a stream open until it ends, once', () => {
    const requests: string[] = [];
    let open = 0;
    const handlers = timedGrpcHandlers(
      {
        Produce: (_call: unknown, callback: (error: null, response: string) => void) => callback(null, 'done'),
        FetchStream: (_call: EventEmitter) => undefined,
      },
      { request: (api, listener) => requests.push(`${api}/${listener}`), stream: (_api, delta) => (open += delta) },
    );
    let answered: unknown;
    handlers.Produce({}, (_error, response) => (answered = response));
    expect(answered).toBe('done');
    expect(requests).toEqual(['Produce/grpc']);

    const stream = new EventEmitter();
    handlers.FetchStream(stream);
    expect(open).toBe(1);
    stream.emit('cancelled');
    stream.emit('close');
    expect(open).toBe(0);
  });
});
