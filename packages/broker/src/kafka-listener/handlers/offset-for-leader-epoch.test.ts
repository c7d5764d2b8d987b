import { EMPTY_METADATA_STATE, applyRecords, topicRecord } from '@quill/metadata';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import type { BrokerServiceContext } from '../../api/broker/context.js';
import { brokerError } from '../../errors.js';
import type { KafkaRequestContext } from '../handler-registry.js';
import { offsetForLeaderEpochKafkaHandler } from './offset-for-leader-epoch.js';

const TOPIC_ID = '5d7c1a2b-0c4e-4f11-9a3b-6e2f1d0c9b8a';
const context = { header: { apiKey: 23, apiVersion: 3, correlationId: 1, clientId: 't' }, clientAddress: 'x:1', logger: pino({ level: 'silent' }) } as KafkaRequestContext;

describe('Kafka OffsetForLeaderEpoch', () => {
  it("asks the replica manager's epoch lookup by the topic's id and answers its errors as Kafka's numbers", async () => {
    const endOffsetForEpoch = vi.fn((_topicId: string, partition: number, currentLeaderEpoch: number, epoch: number) => {
      if (partition === 1) throw brokerError('FENCED_LEADER_EPOCH', 'old');
      return { epoch, endOffset: 40 + currentLeaderEpoch };
    });
    const state = applyRecords(EMPTY_METADATA_STATE, [topicRecord('orders', TOPIC_ID)], 1);
    const ctx = { replicas: { state, endOffsetForEpoch } } as unknown as BrokerServiceContext;
    const response = await offsetForLeaderEpochKafkaHandler(ctx).handle(
      {
        replicaId: -1,
        topics: [
          { topic: 'orders', partitions: [{ partition: 0, currentLeaderEpoch: 2, leaderEpoch: 1 }, { partition: 1, currentLeaderEpoch: 1, leaderEpoch: 1 }] },
          { topic: 'ghost', partitions: [{ partition: 0, leaderEpoch: 1 }] },
        ],
      },
      context,
    );
    expect(endOffsetForEpoch).toHaveBeenCalledWith(TOPIC_ID, 0, 2, 1);
    expect(response).toEqual({
      throttleTimeMs: 0,
      topics: [
        {
          topic: 'orders',
          partitions: [
            { errorCode: 0, partition: 0, leaderEpoch: 1, endOffset: 42n },
            { errorCode: 74, partition: 1, leaderEpoch: -1, endOffset: -1n },
          ],
        },
        { topic: 'ghost', partitions: [{ errorCode: 3, partition: 0, leaderEpoch: -1, endOffset: -1n }] },
      ],
    });
  });
});
