import { credentials } from '@grpc/grpc-js';
import type { Quill } from '@quill/client';
import {
  GRPC_CHANNEL_OPTIONS,
  loadQuillPackage,
  type BrokerClient,
  type FetchResponse__Output,
  type InitProducerIdResponse__Output,
  type ProduceResponse__Output,
} from '@quill/proto';
import { encodeBatch } from '@quill/records';
import { eventually } from '@quill/test-support';
import { ProcessCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePartition } from './support/cluster-helpers.js';

// Bad input gets its documented error code, and the broker keeps serving.

let cluster: ProcessCluster;
let quill: Quill;
const clients = new Map<number, BrokerClient>();

beforeAll(async () => {
  cluster = await ProcessCluster.start({ brokers: 2, controllers: 1 });
  quill = cluster.client();
  const admin = quill.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'strict', numPartitions: 1, replicationFactor: 2, configEntries: [{ name: 'max.message.bytes', value: '2048' }] }] });
  await eventually(async () => (await describePartition(admin, 'strict', 0)).isr.length === 2, { timeoutMs: 30_000, intervalMs: 50, description: 'a full ISR' });
  await admin.disconnect();
}, 120_000);

afterAll(async () => {
  for (const client of clients.values()) client.close();
  await cluster.stop();
});

function broker(id: number): BrokerClient {
  let client = clients.get(id);
  if (client === undefined) {
    const Broker = loadQuillPackage().quill.v1.Broker;
    client = new Broker(cluster.node(id).brokerAddress!, credentials.createInsecure(), GRPC_CHANNEL_OPTIONS) as unknown as BrokerClient;
    clients.set(id, client);
  }
  return client;
}

function produce(id: number, topic: string, records: Buffer, acks = -1): Promise<ProduceResponse__Output> {
  return new Promise((resolve, reject) =>
    broker(id).Produce({ acks, timeoutMs: 5000, topics: [{ name: topic, partitions: [{ partition: 0, records }] }] }, (error, response) =>
      error !== null || response === undefined ? reject(error) : resolve(response),
    ),
  );
}

function fetch(id: number, topic: string, offset: number): Promise<FetchResponse__Output> {
  return new Promise((resolve, reject) =>
    broker(id).Fetch({ maxWaitMs: 0, minBytes: 1, maxBytes: 1 << 20, topics: [{ topic, partitions: [{ partition: 0, fetchOffset: offset, currentLeaderEpoch: -1, partitionMaxBytes: 1 << 20 }] }] }, (error, response) =>
      error !== null || response === undefined ? reject(error) : resolve(response),
    ),
  );
}

async function roles(): Promise<{ leader: number; follower: number }> {
  const admin = quill.admin();
  await admin.connect();
  const p = await describePartition(admin, 'strict', 0);
  await admin.disconnect();
  return { leader: p.leader, follower: p.replicas.find((r) => r !== p.leader)! };
}

const partitionCode = (response: ProduceResponse__Output) => response.topics[0]?.partitions[0]?.errorCode;

describe('bad input', () => {
  it('answers each kind of bad request with its code and keeps serving', async () => {
    const { leader, follower } = await roles();

    const corrupt = encodeBatch([{ value: 'payload' }]);
    corrupt[corrupt.length - 1]! ^= 0xff;
    expect(partitionCode(await produce(leader, 'strict', corrupt))).toBe('CORRUPT_MESSAGE');

    const garbage = Buffer.from('definitely not a record batch, just some bytes to reject cleanly');
    expect(partitionCode(await produce(leader, 'strict', garbage))).toBe('CORRUPT_MESSAGE');

    const oversize = encodeBatch([{ value: 'x'.repeat(5000) }]);
    expect(partitionCode(await produce(leader, 'strict', oversize))).toBe('MESSAGE_TOO_LARGE');

    expect(partitionCode(await produce(leader, 'no-such-topic', encodeBatch([{ value: 'v' }])))).toBe('UNKNOWN_TOPIC_OR_PARTITION');

    expect(partitionCode(await produce(follower, 'strict', encodeBatch([{ value: 'v' }])))).toBe('NOT_LEADER_OR_FOLLOWER');

    const badAcks = await produce(leader, 'strict', encodeBatch([{ value: 'v' }]), 7);
    expect(badAcks.error?.code).toBe('INVALID_REQUEST');

    const beyond = await fetch(leader, 'strict', 1000);
    expect(beyond.topics[0]?.partitions[0]?.errorCode).toBe('OFFSET_OUT_OF_RANGE');

    // Still serving: a good write and a read of it.
    const good = await produce(leader, 'strict', encodeBatch([{ value: 'still here' }]));
    expect(partitionCode(good)).toBe('NONE');
    expect(good.topics[0]?.partitions[0]?.baseOffset).toBe(0);
    const read = await fetch(leader, 'strict', 0);
    expect(read.topics[0]?.partitions[0]?.records.length).toBeGreaterThan(0);
    for (const node of [leader, follower]) expect(cluster.node(node).process.running).toBe(true);
  });

  it('gives idempotent producers an id, answers a retried batch with its original offset, and refuses a sequence gap', async () => {
    const { leader } = await roles();
    const init = await new Promise<InitProducerIdResponse__Output>((resolve, reject) =>
      broker(leader).InitProducerId({ transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 }, (error, response) =>
        error !== null || response === undefined ? reject(error) : resolve(response),
      ),
    );
    expect(init.error).toBeNull();
    expect(init.producerId).toBeGreaterThanOrEqual(0);
    const batch = (sequence: number) => encodeBatch([{ value: `idempotent-${sequence}` }], { producerId: init.producerId, producerEpoch: init.producerEpoch, baseSequence: sequence });
    const first = await produce(leader, 'strict', batch(0));
    const retried = await produce(leader, 'strict', batch(0));
    expect(partitionCode(first)).toBe('NONE');
    expect(retried.topics[0]?.partitions[0]?.baseOffset).toBe(first.topics[0]?.partitions[0]?.baseOffset);
    expect(partitionCode(await produce(leader, 'strict', batch(5)))).toBe('OUT_OF_ORDER_SEQUENCE_NUMBER');
    expect(partitionCode(await produce(leader, 'strict', batch(1)))).toBe('NONE');
  });
});
