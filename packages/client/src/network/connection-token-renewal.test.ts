import * as grpc from '@grpc/grpc-js';
import { SESSION_TOKEN_METADATA_KEY, loadQuillPackage, type BrokerHandlers, type ProduceRequest__Output, type ProduceResponse } from '@quill/proto';
import { eventually } from '@quill/test-support';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { BrokerConnection } from './connection.js';

/** One ProduceStream as the test broker sees it: its token, whether the client half-closed it, and its held answers. */
interface OpenedStream {
  token: string;
  clientEnded: boolean;
  answer(): void;
  received: number;
}

/**
 * A broker whose Authenticate answers a new token with a 1 ms lifetime (so every call renews it)
 * and whose ProduceStream holds each answer until the test releases it.
 */
async function startBroker(): Promise<{ server: grpc.Server; address: string; streams: OpenedStream[] }> {
  const streams: OpenedStream[] = [];
  let issued = 0;
  const handlers: Partial<BrokerHandlers> = {
    Authenticate: (_call, callback) => callback(null, { sessionToken: `token-${++issued}`, sessionLifetimeMs: 1 }),
    ProduceStream: (call: grpc.ServerDuplexStream<ProduceRequest__Output, ProduceResponse>) => {
      const held: Array<() => void> = [];
      const opened: OpenedStream = {
        token: String(call.metadata.get(SESSION_TOKEN_METADATA_KEY)[0]),
        clientEnded: false,
        received: 0,
        answer: () => {
          held.shift()?.();
          // As a broker does, the server half ends once everything sent before the client's end is answered.
          if (opened.clientEnded && held.length === 0) call.end();
        },
      };
      streams.push(opened);
      call.on('data', () => {
        opened.received += 1;
        held.push(() => call.write({ topics: [] }));
      });
      call.on('end', () => {
        opened.clientEnded = true;
        if (held.length === 0) call.end();
      });
    },
  };
  const server = new grpc.Server();
  server.addService(loadQuillPackage().quill.v1.Broker.service, handlers as BrokerHandlers);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return { server, address: `127.0.0.1:${port}`, streams };
}

describe('BrokerConnection.streamRequest when the session token is renewed', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  it('sends new requests on a new stream with the new token and still answers those on the old one', async () => {
    const broker = await startBroker();
    const connection = new BrokerConnection({
      address: broker.address,
      clientId: 'renewal-test',
      logger: pino({ level: 'silent' }),
      requestTimeoutMs: 5_000,
      sasl: { mechanism: 'plain', username: 'alice', password: 'secret' },
    });
    cleanups.push(() => connection.close(), () => broker.server.forceShutdown());
    const produce = () => connection.streamRequest('Produce', { acks: -1, timeoutMs: 1_000, topics: [] });
    const first = produce();
    await eventually(() => broker.streams[0]?.received === 1, { description: 'the first request reached the broker' });
    const second = produce();
    await eventually(() => broker.streams[1]?.received === 1, { description: 'the second request went on a new stream' });
    expect(broker.streams.map((s) => s.token)).toEqual(['token-1', 'token-2']);
    // The old stream is half-closed, not cancelled: its request is still answered.
    await eventually(() => broker.streams[0]!.clientEnded, { description: 'the client half-closed the old stream' });
    broker.streams[0]!.answer();
    broker.streams[1]!.answer();
    await expect(first).resolves.toEqual(expect.objectContaining({ topics: [] }));
    await expect(second).resolves.toEqual(expect.objectContaining({ topics: [] }));
  });
});
