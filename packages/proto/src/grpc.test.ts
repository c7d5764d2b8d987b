import { randomBytes } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GRPC_CHANNEL_OPTIONS,
  loadQuillPackage,
  type BrokerClient,
  type BrokerHandlers,
  type ControllerClient,
  type ControllerHandlers,
  type FetchMetadataResponse,
  type FetchMetadataResponse__Output,
  type ProduceResponse__Output,
} from './index.js';

// Every byte value plus a size well above one HTTP/2 frame and the 64 KiB default window.
const BIG = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), randomBytes(3 * 1024 * 1024)]);
const BATCHES = [Buffer.alloc(0), Buffer.from([0, 1, 2, 255]), randomBytes(200_000)];

const broker: Partial<BrokerHandlers> = {
  // Echo each partition's records back in the error message's place (base_offset = size),
  // so the client can compare bytes it sent with bytes the server received.
  Produce(call, callback) {
    const topics = call.request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partition: p.partition,
        baseOffset: p.records.length,
        errorCode: 'NONE' as const,
        errorMessage: p.records.toString('base64'),
      })),
    }));
    callback(null, { topics, throttleTimeMs: 0 });
  },
  FetchStream(call) {
    call.on('data', (req: { maxWaitMs: number }) => {
      call.write({ throttleTimeMs: req.maxWaitMs, topics: [] });
    });
    call.on('end', () => call.end());
  },
};

const controller: Partial<ControllerHandlers> = {
  FetchMetadata(call) {
    let offset = call.request.fromOffset;
    for (const records of BATCHES) {
      const msg: FetchMetadataResponse = { highWatermark: 99, batch: { offset, term: 2, records } };
      call.write(msg);
      offset++;
    }
    call.end();
  },
};

describe('grpc-js round trip over loopback', () => {
  const pkg = loadQuillPackage();
  let server: grpc.Server;
  let brokerClient: BrokerClient;
  let controllerClient: ControllerClient;

  beforeAll(async () => {
    server = new grpc.Server(GRPC_CHANNEL_OPTIONS);
    server.addService(pkg.quill.v1.Broker.service, broker as BrokerHandlers);
    server.addService(pkg.quill.v1.Controller.service, controller as ControllerHandlers);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) =>
        err ? reject(err) : resolve(p),
      ),
    );
    const address = `127.0.0.1:${port}`;
    brokerClient = new pkg.quill.v1.Broker(address, grpc.credentials.createInsecure(), GRPC_CHANNEL_OPTIONS);
    controllerClient = new pkg.quill.v1.Controller(address, grpc.credentials.createInsecure(), GRPC_CHANNEL_OPTIONS);
  });

  afterAll(async () => {
    brokerClient?.close();
    controllerClient?.close();
    if (server) {
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    }
  });

  it('unary Produce keeps bytes intact', async () => {
    const res = await new Promise<ProduceResponse__Output>((resolve, reject) =>
      brokerClient.Produce(
        { acks: -1, timeoutMs: 1000, topics: [{ name: 'orders', partitions: [{ partition: 7, records: BIG }] }] },
        (err, value) => (err || !value ? reject(err ?? new Error('no response')) : resolve(value)),
      ),
    );
    expect(res.error).toBeNull();
    const p = res.topics[0]?.partitions[0];
    expect(p?.partition).toBe(7);
    expect(p?.baseOffset).toBe(BIG.length);
    expect(Buffer.from(p?.errorMessage ?? '', 'base64').equals(BIG)).toBe(true);
    expect(p?.logAppendTimeMs).toBe(0);
    expect(p?.currentLeader).toBeNull();
  });

  it('server-streaming FetchMetadata delivers every batch in order with its bytes', async () => {
    const got: FetchMetadataResponse__Output[] = [];
    await new Promise<void>((resolve, reject) => {
      const call = controllerClient.FetchMetadata({ clusterId: 'c', brokerId: 1, brokerEpoch: 5, fromOffset: 10 });
      call.on('data', (m: FetchMetadataResponse__Output) => got.push(m));
      call.on('error', reject);
      call.on('end', () => resolve());
    });
    expect(got.map((m) => m.payload)).toEqual(['batch', 'batch', 'batch']);
    expect(got.map((m) => m.batch?.offset)).toEqual([10, 11, 12]);
    got.forEach((m, i) => {
      expect(m.highWatermark).toBe(99);
      expect(Buffer.isBuffer(m.batch?.records)).toBe(true);
      expect(m.batch?.records.equals(BATCHES[i] ?? Buffer.alloc(1))).toBe(true);
    });
  });

  it('bidi FetchStream answers each request in order on one stream', async () => {
    const call = brokerClient.FetchStream();
    const answers: number[] = [];
    const done = new Promise<void>((resolve, reject) => {
      call.on('data', (m: { throttleTimeMs: number }) => answers.push(m.throttleTimeMs));
      call.on('error', reject);
      call.on('end', () => resolve());
    });
    for (const n of [1, 2, 3]) call.write({ maxWaitMs: n, topics: [] });
    call.end();
    await done;
    expect(answers).toEqual([1, 2, 3]);
  });
});
