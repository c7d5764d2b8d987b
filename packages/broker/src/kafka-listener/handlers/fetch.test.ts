import type { FetchRequest } from '@quill/kafka-protocol';
import { EMPTY_METADATA_STATE, applyRecords, topicRecord } from '@quill/metadata';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { BrokerServiceContext } from '../../api/broker/context.js';
import type { KafkaRequestContext } from '../handler-registry.js';
import { fetchKafkaHandler, resolveTopics, sessionRefusal, toConsumerFetchRequest, toKafkaFetchResponse } from './fetch.js';

const request = (overrides: Partial<FetchRequest> = {}): FetchRequest => ({
  replicaId: -1,
  maxWaitMs: 500,
  minBytes: 1,
  maxBytes: 52_428_800,
  isolationLevel: 1,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [{ topic: 'orders', partitions: [{ partition: 2, currentLeaderEpoch: 4, fetchOffset: 17n, logStartOffset: -1n, partitionMaxBytes: 1_048_576 }] }],
  forgottenTopicsData: [],
  rackId: '',
  ...overrides,
});

const context = { header: { apiKey: 1, apiVersion: 11, correlationId: 1, clientId: 't' }, clientAddress: 'x:1', logger: pino({ level: 'silent' }) } as KafkaRequestContext;

describe('Kafka Fetch', () => {
  it('maps the request onto the broker consumer fetch (offsets as numbers, read_committed kept)', () => {
    expect(toConsumerFetchRequest(request(), ['orders'])).toEqual({
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52_428_800,
      isolationLevel: 'ISOLATION_LEVEL_READ_COMMITTED',
      topics: [{ topic: 'orders', topicId: '', partitions: [{ partition: 2, currentLeaderEpoch: 4, fetchOffset: 17, logStartOffset: -1, partitionMaxBytes: 1_048_576 }] }],
    });
  });

  it("answers with Kafka's error numbers, session id 0, no preferred read replica, and the stored batches without a copy", () => {
    const records = Buffer.from([1, 2, 3]);
    const response = toKafkaFetchResponse(request({ topics: [{ topic: 'orders', partitions: [] }] }), ['orders'], {
      topics: [
        {
          topic: 'orders',
          partitions: [
            { partition: 0, errorCode: 'NONE', errorMessage: '', highWatermark: 9, lastStableOffset: 9, logStartOffset: 2, records },
            { partition: 1, errorCode: 'NOT_LEADER_OR_FOLLOWER', errorMessage: 'no', highWatermark: -1, lastStableOffset: -1, logStartOffset: -1 },
          ],
        },
      ],
    });
    expect(response.sessionId).toBe(0);
    expect(response.errorCode).toBe(0);
    const [ok, notLeader] = response.responses[0]!.partitions;
    expect(ok!.records).toBe(records);
    expect(ok).toMatchObject({ partitionIndex: 0, errorCode: 0, highWatermark: 9n, lastStableOffset: 9n, logStartOffset: 2n, preferredReadReplica: -1, abortedTransactions: [] });
    expect(notLeader).toMatchObject({ partitionIndex: 1, errorCode: 6, highWatermark: -1n });
    expect(notLeader!.records).toHaveLength(0);
  });

  it('names v13 topics by id: a known id fetches its topic, an unknown one is UNKNOWN_TOPIC_ID, answers keep the id', () => {
    const known = '6f1c2b3a-4d5e-4f60-8a7b-9c0d1e2f3a4b';
    const ghost = '00000000-0000-4000-8000-00000000abcd';
    const state = applyRecords(EMPTY_METADATA_STATE, [topicRecord('orders', known)], 1);
    const v13 = request({
      topics: [
        { topicId: ghost, partitions: [{ partition: 0, fetchOffset: 0n, partitionMaxBytes: 100 }] },
        { topicId: known, partitions: [{ partition: 1, fetchOffset: 5n, partitionMaxBytes: 100 }] },
      ],
    });
    const names = resolveTopics(v13, state);
    expect(names).toEqual([undefined, 'orders']);
    expect(toConsumerFetchRequest(v13, names)).toMatchObject({ maxWaitMs: 0, topics: [{ topic: 'orders' }] });
    const response = toKafkaFetchResponse(v13, names, {
      topics: [{ topic: 'orders', partitions: [{ partition: 1, errorCode: 'NONE', errorMessage: '', highWatermark: 6, lastStableOffset: 6, logStartOffset: 0, records: Buffer.from([9]) }] }],
    });
    expect(response.responses.map((t) => [t.topic, t.topicId, t.partitions.map((p) => [p.partitionIndex, p.errorCode])])).toEqual([
      [undefined, ghost, [[0, 100]]],
      [undefined, known, [[1, 0]]],
    ]);
  });

  it('serves sessionless, session-closing and new-session fetches, refuses sessions it never opened', () => {
    expect(sessionRefusal({ sessionId: 0, sessionEpoch: -1 })).toBeUndefined();
    expect(sessionRefusal({ sessionId: 0, sessionEpoch: 0 })).toBeUndefined();
    expect(sessionRefusal({})).toBeUndefined();
    expect(sessionRefusal({ sessionId: 123, sessionEpoch: -1 })).toBeUndefined();
    expect(sessionRefusal({ sessionId: 123, sessionEpoch: 1 })).toBe(70);
    expect(sessionRefusal({ sessionId: 0, sessionEpoch: 3 })).toBe(71);
  });

  it('answers a fetch continuing an unknown session with FETCH_SESSION_ID_NOT_FOUND and no data', async () => {
    const ctx = {} as BrokerServiceContext;
    const response = await fetchKafkaHandler(ctx).handle(request({ sessionId: 99, sessionEpoch: 5 }), context);
    expect(response).toEqual({ throttleTimeMs: 0, errorCode: 70, sessionId: 0, responses: [] });
  });

  it('answers a partition of an unknown topic with UNKNOWN_TOPIC_OR_PARTITION at once (through the broker fetch)', async () => {
    const ctx = {
      config: { nodeId: 1 },
      replicas: { state: undefined, partition: () => undefined, waitForData: async () => undefined },
      logger: pino({ level: 'silent' }),
    } as unknown as BrokerServiceContext;
    const response = (await fetchKafkaHandler(ctx).handle(request(), context)) as ReturnType<typeof toKafkaFetchResponse>;
    expect(response.responses[0]!.partitions[0]).toMatchObject({ partitionIndex: 2, errorCode: 3, highWatermark: -1n });
  });
});
