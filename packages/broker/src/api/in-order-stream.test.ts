import * as grpc from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { serveInOrder } from './in-order-stream.js';

const identity = (b: Buffer): Buffer => b;
const service: grpc.ServiceDefinition = {
  Echo: {
    path: '/test.InOrder/Echo',
    requestStream: true,
    responseStream: true,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};

const FAILED = Buffer.from([0xff, 0xff, 0xff, 0xff]);

describe('serveInOrder', () => {
  const cleanups: Array<() => void> = [];
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup();
  });

  /** A server whose handler answers request n after a delay of its own; returns a client stream. */
  async function start(maxPending: number, delayOf: (n: number) => number, seen: { concurrent: number; max: number }) {
    const server = new grpc.Server();
    server.addService(service, {
      Echo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) =>
        serveInOrder(
          call,
          async (request) => {
            seen.max = Math.max(seen.max, ++seen.concurrent);
            const delay = delayOf(request.readUInt32BE(0));
            await new Promise((resolve) => setTimeout(resolve, Math.abs(delay)));
            seen.concurrent--;
            // A negative delay: this request's handling fails.
            if (delay < 0) throw new Error('handler failed');
            return request;
          },
          { maxPending, failed: () => FAILED },
        ),
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
    );
    const Client = grpc.makeGenericClientConstructor(service, 'InOrder');
    const client = new Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    cleanups.push(() => {
      client.close();
      server.forceShutdown();
    });
    return (client as unknown as { Echo: () => grpc.ClientDuplexStream<Buffer, Buffer> }).Echo();
  }

  const message = (n: number): Buffer => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };

  /** Writes requests 0..count-1, ends the stream, and resolves with the answers once it ends. */
  async function exchange(call: grpc.ClientDuplexStream<Buffer, Buffer>, count: number): Promise<number[]> {
    const answers: number[] = [];
    call.on('data', (b: Buffer) => answers.push(b.readUInt32BE(0)));
    const ended = new Promise((resolve) => call.on('end', resolve));
    for (let n = 0; n < count; n++) call.write(message(n));
    call.end();
    await ended;
    return answers;
  }

  it('handles requests concurrently but answers in request order, and ends after the last answer', async () => {
    const seen = { concurrent: 0, max: 0 };
    // Later requests finish first.
    const answers = await exchange(await start(100, (n) => 50 - n * 2, seen), 20);
    expect(answers).toEqual(Array.from({ length: 20 }, (_, n) => n));
    expect(seen.max).toBeGreaterThan(1);
  });

  it('reads no more than maxPending unanswered requests at a time', async () => {
    const seen = { concurrent: 0, max: 0 };
    const answers = await exchange(await start(3, () => 5, seen), 50);
    expect(answers).toHaveLength(50);
    expect(seen.max).toBeLessThanOrEqual(3);
  });

  it('answers a request whose handling fails with the failed answer, in its place, and goes on', async () => {
    const seen = { concurrent: 0, max: 0 };
    const answers = await exchange(await start(10, (n) => (n === 1 ? -5 : 5), seen), 3);
    expect(answers).toEqual([0, FAILED.readUInt32BE(0), 2]);
  });
});
