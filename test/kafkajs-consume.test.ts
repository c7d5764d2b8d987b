import type { Quill, ReceivedHeaders } from '@quill/client';
import { ApiKeys, type FetchRequest, type FetchResponse, type ListOffsetsResponse, type OffsetForLeaderEpochResponse } from '@quill/kafka-protocol';
import { startCluster, type TestCluster } from '@quill/testing';
import { Consumer as PlatformaticConsumer, MessagesStreamModes } from '@platformatic/kafka';
import { Kafka, logLevel, type Admin, type Consumer, type IHeaders, type KafkaMessage } from 'kafkajs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { kafkaCall } from './support/kafka-call.js';

/** The records' create times: a fixed past time one second apart, so a timestamp lookup has one right answer. */
const BASE_TIMESTAMP = 1_700_000_000_000;
const RECORDS_PER_BATCH = 10;
const BATCHES = 2;
const TOTAL = RECORDS_PER_BATCH * BATCHES;
const CONSUME_TIMEOUT_MS = 15_000;
/** A fetch's max wait in the raw long-poll checks: short for the empty answer, long for the one a produce completes. */
const SHORT_WAIT_MS = 300;
const LONG_WAIT_MS = 10_000;

/** A record as both clients can be compared on: key, value, headers and create time. */
interface Comparable {
  offset: number;
  key: string | null;
  value: string | null;
  headers: Record<string, string>;
  timestamp: number;
}

const expected = (i: number): Comparable => ({
  offset: i,
  key: i % 3 === 0 ? null : `key-${i}`,
  value: i === 7 ? null : `value-${i}-${'x'.repeat(i * 10)}`,
  headers: i % 2 === 0 ? {} : { trace: `t-${i}`, 'content-type': 'text/plain' },
  timestamp: BASE_TIMESTAMP + i * 1000,
});

const text = (b: Buffer | string | null | undefined): string | null => (b === null || b === undefined ? null : b.toString());

function fromKafkaJs(m: KafkaMessage): Comparable {
  const headers = Object.fromEntries(Object.entries(m.headers ?? ({} as IHeaders)).map(([k, v]) => [k, text(v as Buffer)!]));
  return { offset: Number(m.offset), key: text(m.key), value: text(m.value), headers, timestamp: Number(m.timestamp) };
}

function fromQuill(m: { offset: number; key: Buffer | null; value: Buffer | null; headers: ReceivedHeaders; timestamp: number }): Comparable {
  const headers = Object.fromEntries(Object.entries(m.headers).map(([k, v]) => [k, text(v as Buffer)!]));
  return { offset: m.offset, key: text(m.key), value: text(m.value), headers, timestamp: m.timestamp };
}

const toSend = (i: number) => {
  const e = expected(i);
  return { key: e.key, value: e.value, headers: e.headers, timestamp: String(e.timestamp), partition: 0 };
};

describe('KafkaJS 2.2.4 (and @platformatic/kafka 1.x) consuming from a 3-broker cluster, and the gRPC SDK reading what KafkaJS produced', () => {
  let cluster: TestCluster;
  let quill: Quill;
  let kafka: Kafka;
  let admin: Admin;
  const consumers: Consumer[] = [];

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3 });
    quill = cluster.client();
    const quillAdmin = quill.admin();
    await quillAdmin.connect();
    await quillAdmin.createTopics({ topics: [{ topic: 'grpc-written', numPartitions: 1, replicationFactor: 3 }, { topic: 'kafka-written', numPartitions: 1, replicationFactor: 3 }, { topic: 'long-poll', numPartitions: 1, replicationFactor: 3 }, { topic: 'min-bytes', numPartitions: 1, replicationFactor: 3 }] });
    await quillAdmin.disconnect();
    const producer = quill.producer();
    await producer.connect();
    // One send per batch: offsets 0-9 and 10-19 are two record batches.
    for (let b = 0; b < BATCHES; b++) {
      await producer.send({ topic: 'grpc-written', acks: -1, messages: Array.from({ length: RECORDS_PER_BATCH }, (_, i) => toSend(b * RECORDS_PER_BATCH + i)) });
    }
    await producer.disconnect();
    kafka = new Kafka({ clientId: 'kafkajs-consume-test', brokers: cluster.kafkaBootstrap, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, retries: 8 } });
    admin = kafka.admin();
    await admin.connect();
  }, 30_000);

  afterEach(async () => {
    await Promise.all(consumers.splice(0).map((c) => c.disconnect()));
  });

  afterAll(async () => {
    await admin?.disconnect();
    await cluster?.stop();
  });

  /** Runs a KafkaJS consumer in its own group; `start` places it, then it collects `count` records. */
  async function consume(group: string, count: number, start: (consumer: Consumer) => void): Promise<Comparable[]> {
    const consumer = kafka.consumer({ groupId: group, maxWaitTimeInMs: 200, retry: { initialRetryTime: 50, retries: 8 } });
    consumers.push(consumer);
    await consumer.connect();
    await consumer.subscribe({ topic: 'grpc-written', fromBeginning: false });
    const received: Comparable[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${group}: ${received.length} of ${count} records within ${CONSUME_TIMEOUT_MS} ms`)), CONSUME_TIMEOUT_MS);
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push(fromKafkaJs(message));
          if (received.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    start(consumer);
    await done;
    return received;
  }

  it('reads every record from the beginning identically (key, value, headers, timestamp)', async () => {
    const received = await consume('from-beginning', TOTAL, (c) => c.seek({ topic: 'grpc-written', partition: 0, offset: '0' }));
    expect(received).toEqual(Array.from({ length: TOTAL }, (_, i) => expected(i)));
  });

  it('reads from an offset inside a batch (the broker returns the whole batch; the client skips to the offset)', async () => {
    const received = await consume('from-offset', TOTAL - 5, (c) => c.seek({ topic: 'grpc-written', partition: 0, offset: '5' }));
    expect(received).toEqual(Array.from({ length: TOTAL - 5 }, (_, i) => expected(i + 5)));
  });

  it('finds the first offset at a timestamp and reads from there', async () => {
    const [found] = await admin.fetchTopicOffsetsByTimestamp('grpc-written', BASE_TIMESTAMP + 12_500);
    expect(found).toMatchObject({ partition: 0, offset: '13' });
    const [latest] = await admin.fetchTopicOffsets('grpc-written');
    expect(latest).toMatchObject({ partition: 0, offset: String(TOTAL), low: '0', high: String(TOTAL) });
    const received = await consume('from-timestamp', TOTAL - 13, (c) => c.seek({ topic: 'grpc-written', partition: 0, offset: found!.offset }));
    expect(received).toEqual(Array.from({ length: TOTAL - 13 }, (_, i) => expected(i + 13)));
  });

  it('@platformatic/kafka reads every record identically at Fetch v13 (topics by id)', async () => {
    const consumer = new PlatformaticConsumer({ groupId: 'platformatic', clientId: 'platformatic-consume-test', bootstrapBrokers: cluster.kafkaBootstrap, maxWaitTime: 200 });
    const received: Comparable[] = [];
    try {
      const stream = await consumer.consume({ topics: ['grpc-written'], mode: MessagesStreamModes.EARLIEST, sessionTimeout: 10_000, heartbeatInterval: 500 });
      for await (const m of stream) {
        const headers = Object.fromEntries([...m.headers.entries()].map(([k, v]) => [text(k as Buffer)!, text(v as Buffer)!]));
        received.push({ offset: Number(m.offset), key: m.key === undefined ? null : text(m.key as Buffer | null), value: text(m.value as Buffer | null), headers, timestamp: Number(m.timestamp) });
        if (received.length >= TOTAL) break;
      }
      await stream.close();
    } finally {
      await consumer.close();
    }
    expect(received).toEqual(Array.from({ length: TOTAL }, (_, i) => expected(i)));
  });

  /** The Kafka address of the leader of `topic`-0, and of a broker that is not its leader. */
  async function leaderAndFollower(topic: string): Promise<{ leader: string; other: string }> {
    const leader = await cluster.leaderOf(topic, 0);
    const address = (id: number) => cluster.kafkaBootstrap[cluster.brokerIds.indexOf(id)]!;
    return { leader: address(leader), other: address(cluster.brokerIds.find((id) => id !== leader)!) };
  }

  const fetchRequest = (topic: string, offset: number, maxWaitMs: number, session: { sessionId: number; sessionEpoch: number } = { sessionId: 0, sessionEpoch: -1 }, minBytes = 1): FetchRequest => ({
    replicaId: -1,
    maxWaitMs,
    minBytes,
    maxBytes: 1_048_576,
    isolationLevel: 0,
    ...session,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: BigInt(offset), logStartOffset: -1n, partitionMaxBytes: 1_048_576 }] }],
    forgottenTopicsData: [],
    rackId: '',
  });

  it('long-polls a Fetch at the log end until max wait, and answers a waiting one as soon as a record is produced', async () => {
    const { leader } = await leaderAndFollower('long-poll');
    const started = Date.now();
    const empty = await kafkaCall<FetchResponse>(leader, ApiKeys.Fetch, 11, fetchRequest('long-poll', 0, SHORT_WAIT_MS));
    expect(Date.now() - started).toBeGreaterThanOrEqual(SHORT_WAIT_MS - 50);
    expect(empty.responses[0]!.partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 0n, records: Buffer.alloc(0) });

    const waiting = kafkaCall<FetchResponse>(leader, ApiKeys.Fetch, 11, fetchRequest('long-poll', 0, LONG_WAIT_MS));
    const producer = quill.producer();
    await producer.connect();
    await producer.send({ topic: 'long-poll', acks: -1, messages: [{ value: 'woke', partition: 0 }] });
    await producer.disconnect();
    const answered = await waiting;
    expect(Date.now() - started).toBeLessThan(LONG_WAIT_MS);
    const partition = answered.responses[0]!.partitions[0]!;
    expect(partition).toMatchObject({ errorCode: 0, highWatermark: 1n, lastStableOffset: 1n, logStartOffset: 0n, preferredReadReplica: -1 });
    expect(partition.records!.includes(Buffer.from('woke'))).toBe(true);
  });

  it('holds a Fetch whose min bytes one record does not reach, and answers once enough is below the high watermark', async () => {
    const { leader } = await leaderAndFollower('min-bytes');
    const started = Date.now();
    const waiting = kafkaCall<FetchResponse>(leader, ApiKeys.Fetch, 11, fetchRequest('min-bytes', 0, LONG_WAIT_MS, undefined, 2000));
    const producer = quill.producer();
    await producer.connect();
    await producer.send({ topic: 'min-bytes', acks: -1, messages: [{ value: 'small', partition: 0 }] });
    const meanwhile = await kafkaCall<FetchResponse>(leader, ApiKeys.Fetch, 11, fetchRequest('min-bytes', 0, 0));
    expect(meanwhile.responses[0]!.partitions[0]!.highWatermark).toBe(1n);
    await producer.send({ topic: 'min-bytes', acks: -1, messages: [{ value: 'large'.padEnd(3000, '.'), partition: 0 }] });
    await producer.disconnect();
    const answered = await waiting;
    expect(Date.now() - started).toBeLessThan(LONG_WAIT_MS);
    // Answered after the second record, not the first: both are in it.
    const partition = answered.responses[0]!.partitions[0]!;
    expect(partition).toMatchObject({ errorCode: 0, highWatermark: 2n });
    expect(partition.records!.includes(Buffer.from('small'))).toBe(true);
    expect(partition.records!.length).toBeGreaterThan(3000);
  });

  it('refuses a fetch session it never opened, and answers a non-leader fetch with NOT_LEADER_OR_FOLLOWER', async () => {
    const { leader, other } = await leaderAndFollower('grpc-written');
    const session = await kafkaCall<FetchResponse>(leader, ApiKeys.Fetch, 11, fetchRequest('grpc-written', 0, 0, { sessionId: 7, sessionEpoch: 1 }));
    expect(session).toMatchObject({ errorCode: 70, sessionId: 0, responses: [] });
    const elsewhere = await kafkaCall<FetchResponse>(other, ApiKeys.Fetch, 11, fetchRequest('grpc-written', 0, LONG_WAIT_MS));
    expect(elsewhere.responses[0]!.partitions[0]).toMatchObject({ errorCode: 6, highWatermark: -1n });
  });

  it('answers OffsetForLeaderEpoch with where the current epoch ends on the leader', async () => {
    const { leader, other } = await leaderAndFollower('grpc-written');
    const latest = await kafkaCall<ListOffsetsResponse>(leader, ApiKeys.ListOffsets, 4, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 'grpc-written', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }],
    });
    const { leaderEpoch, offset } = latest.topics[0]!.partitions[0]!;
    expect(offset).toBe(BigInt(TOTAL));
    const request = { replicaId: -1, topics: [{ topic: 'grpc-written', partitions: [{ partition: 0, currentLeaderEpoch: leaderEpoch, leaderEpoch }] }] };
    const end = await kafkaCall<OffsetForLeaderEpochResponse>(leader, ApiKeys.OffsetForLeaderEpoch, 3, request);
    expect(end.topics[0]!.partitions[0]).toEqual({ errorCode: 0, partition: 0, leaderEpoch, endOffset: BigInt(TOTAL) });
    const notLeader = await kafkaCall<OffsetForLeaderEpochResponse>(other, ApiKeys.OffsetForLeaderEpoch, 3, request);
    expect(notLeader.topics[0]!.partitions[0]).toMatchObject({ errorCode: 6, endOffset: -1n });
  });

  it('answers ListOffsets v7 max timestamp (-3) with the record of the largest timestamp', async () => {
    const { leader } = await leaderAndFollower('grpc-written');
    const answer = await kafkaCall<ListOffsetsResponse>(leader, ApiKeys.ListOffsets, 7, {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 'grpc-written', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -3n }] }],
    });
    expect(answer.topics[0]!.partitions[0]).toMatchObject({ errorCode: 0, offset: BigInt(TOTAL - 1), timestamp: BigInt(expected(TOTAL - 1).timestamp) });
  });

  it('reads through the gRPC SDK what KafkaJS produced, identically', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    for (let b = 0; b < BATCHES; b++) {
      await producer.send({ topic: 'kafka-written', acks: -1, messages: Array.from({ length: RECORDS_PER_BATCH }, (_, i) => toSend(b * RECORDS_PER_BATCH + i)) });
    }
    await producer.disconnect();
    const consumer = quill.consumer({ maxWaitTimeInMs: 200 });
    await consumer.connect();
    const received: Comparable[] = [];
    try {
      consumer.assign([{ topic: 'kafka-written', partition: 0, offset: 'earliest' }]);
      for await (const message of consumer.messages()) {
        received.push(fromQuill(message));
        if (received.length >= TOTAL) break;
      }
    } finally {
      await consumer.disconnect();
    }
    expect(received).toEqual(Array.from({ length: TOTAL }, (_, i) => expected(i)));
  });
});
