import type { FetchRequest } from '@quill/kafka-protocol';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import type { BrokerServiceContext } from '../../api/broker/context.js';
import type { KafkaRequestContext } from '../handler-registry.js';
import { fetchKafkaHandler, sessionRefusal, toConsumerFetchRequest, toKafkaFetchResponse } from './fetch.js';

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
    expect(toConsumerFetchRequest(request())).toEqual({
      maxWaitMs: 500,
      minBytes: 1,
      maxBytes: 52_428_800,
      isolationLevel: 'ISOLATION_LEVEL_READ_COMMITTED',
      topics: [{ topic: 'orders', topicId: '', partitions: [{ partition: 2, currentLeaderEpoch: 4, fetchOffset: 17, logStartOffset: -1, partitionMaxBytes: 1_048_576 }] }],
    });
  });

  it("answers with Kafka's error numbers, session id 0, no preferred read replica, and the stored batches without a copy", () => {
    const records = Buffer.from([1, 2, 3]);
    const response = toKafkaFetchResponse({
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

  it('serves sessionless and new-session fetches, refuses sessions it never opened', () => {
    expect(sessionRefusal({ sessionId: 0, sessionEpoch: -1 })).toBeUndefined();
    expect(sessionRefusal({ sessionId: 0, sessionEpoch: 0 })).toBeUndefined();
    expect(sessionRefusal({})).toBeUndefined();
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
