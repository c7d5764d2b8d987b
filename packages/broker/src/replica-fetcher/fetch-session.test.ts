import * as grpc from '@grpc/grpc-js';
import { createServiceClient, loadQuillPackage, type ReplicaClient, type ReplicaFetchRequest__Output, type ReplicaHandlers } from '@quill/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReplicaFetchSession } from './fetch-session.js';

// A real gRPC server whose ReplicaFetchStream answers by the request's replica id:
// 1 answers (maxWaitMs echoed in the high watermark), 2 never answers, 3 ends the stream.
let server: grpc.Server;
let client: ReplicaClient;
let streamsOpened = 0;

const handlers: Partial<ReplicaHandlers> = {
  ReplicaFetchStream(call) {
    streamsOpened++;
    call.on('data', (request: ReplicaFetchRequest__Output) => {
      if (request.replicaId === 1) call.write({ topics: [{ topicId: 't', partitions: [{ partition: 0, errorCode: 'NONE', highWatermark: request.maxWaitMs }] }] });
      if (request.replicaId === 3) call.end();
    });
    call.on('error', () => undefined);
  },
};

beforeAll(async () => {
  server = new grpc.Server();
  server.addService(loadQuillPackage().quill.v1.Replica.service, handlers as ReplicaHandlers);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  client = createServiceClient('Replica', `127.0.0.1:${port}`);
});

afterAll(() => {
  client.close();
  server.forceShutdown();
});

const request = (replicaId: number, maxWaitMs = 0) => ({ replicaId, brokerEpoch: 1, maxWaitMs, minBytes: 1, maxBytes: 1024, topics: [] });

describe('ReplicaFetchSession', () => {
  it('sends fetch after fetch on one stream, each answered in turn', async () => {
    const session = new ReplicaFetchSession(client);
    const before = streamsOpened;
    for (let i = 1; i <= 5; i++) {
      const answer = await session.fetch(request(1, i), 10_000);
      expect(answer.topics[0]?.partitions[0]?.highWatermark).toBe(i);
    }
    expect(streamsOpened - before).toBe(1);
    session.close();
  });

  it('fails a fetch without an answer at its deadline, and the next fetch opens a new stream', async () => {
    const session = new ReplicaFetchSession(client);
    await expect(session.fetch(request(2), 200)).rejects.toMatchObject({ code: 'REQUEST_TIMED_OUT' });
    const answer = await session.fetch(request(1, 7), 10_000);
    expect(answer.topics[0]?.partitions[0]?.highWatermark).toBe(7);
    session.close();
  });

  it('fails the fetch in flight when the leader ends the stream', async () => {
    const session = new ReplicaFetchSession(client);
    await expect(session.fetch(request(3), 10_000)).rejects.toThrow();
    await expect(session.fetch(request(1, 9), 10_000)).resolves.toBeDefined();
    session.close();
  });

  it('fails the fetch in flight on close', async () => {
    const session = new ReplicaFetchSession(client);
    const pending = session.fetch(request(2), 10_000);
    session.close();
    await expect(pending).rejects.toThrow('closed');
  });
});
