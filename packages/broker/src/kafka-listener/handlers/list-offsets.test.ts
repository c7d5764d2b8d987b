import type { ListOffsetsRequest } from '@quill/kafka-protocol';
import { describe, expect, it } from 'vitest';
import { toKafkaListOffsetsResponse, toListOffsetsRequest } from './list-offsets.js';

describe('Kafka ListOffsets', () => {
  it('maps the request onto the broker ListOffsets (timestamps as numbers, no epoch as -1)', () => {
    const request: ListOffsetsRequest = {
      replicaId: -1,
      isolationLevel: 0,
      topics: [{ name: 'orders', partitions: [{ partitionIndex: 0, timestamp: -2n }, { partitionIndex: 1, currentLeaderEpoch: 3, timestamp: 1_700_000_000_000n }] }],
    };
    expect(toListOffsetsRequest(request)).toEqual({
      isolationLevel: 'ISOLATION_LEVEL_READ_UNCOMMITTED',
      topics: [{ name: 'orders', partitions: [{ partition: 0, currentLeaderEpoch: -1, timestamp: -2 }, { partition: 1, currentLeaderEpoch: 3, timestamp: 1_700_000_000_000 }] }],
    });
  });

  const result = {
    topics: [
      {
        name: 'orders',
        partitions: [
          { partition: 0, errorCode: 'NONE' as const, offset: 12, timestamp: 1_700_000_000_123, leaderEpoch: 2 },
          { partition: 1, errorCode: 'NONE' as const, offset: -1, timestamp: -1, leaderEpoch: 2 },
          { partition: 2, errorCode: 'NOT_LEADER_OR_FOLLOWER' as const, errorMessage: 'elsewhere' },
        ],
      },
    ],
  };

  it("answers v1+ with offset, timestamp and epoch, errors as Kafka's numbers", () => {
    const [found, none, notLeader] = toKafkaListOffsetsResponse(result, 4).topics[0]!.partitions;
    expect(found).toMatchObject({ partitionIndex: 0, errorCode: 0, offset: 12n, timestamp: 1_700_000_000_123n, leaderEpoch: 2 });
    expect(none).toMatchObject({ partitionIndex: 1, errorCode: 0, offset: -1n, timestamp: -1n });
    expect(notLeader).toMatchObject({ partitionIndex: 2, errorCode: 6, offset: -1n, leaderEpoch: -1 });
  });

  it('answers v0 with the offset as its one old-style offset, none when nothing was found', () => {
    const [found, none] = toKafkaListOffsetsResponse(result, 0).topics[0]!.partitions;
    expect(found!.oldStyleOffsets).toEqual([12n]);
    expect(none!.oldStyleOffsets).toEqual([]);
  });
});
