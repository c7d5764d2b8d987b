import { EMPTY_METADATA_STATE, applyRecords, configRecord, partitionRecord, topicRecord, type MetadataState, type PartitionMetadata } from '@quill/metadata';
import { describe, expect, it } from 'vitest';
import { followerThrottleOf } from './follower-throttle.js';

const TOPIC_ID = 'AAAAAAAAAAAAAAAAAAAAAA';

function partition(index: number, replicas: number[], isr: number[], reassignment?: PartitionMetadata['reassignment']): PartitionMetadata {
  return {
    topicId: TOPIC_ID,
    partition: index,
    replicas,
    isr,
    leader: isr[0]!,
    leaderEpoch: 0,
    partitionEpoch: 0,
    ...(reassignment === undefined ? {} : { reassignment }),
  };
}

function stateWith(configs: Array<['broker' | 'cluster', string, string]>): MetadataState {
  return applyRecords(EMPTY_METADATA_STATE, [
    topicRecord('moving', TOPIC_ID),
    // Replicas of a moving partition: the target set, then those leaving.
    partitionRecord(partition(0, [1, 2, 4, 3], [1, 2, 3], { adding: [4], removing: [3], original: [1, 2, 3] })),
    partitionRecord(partition(1, [1, 4], [1, 4])),
    partitionRecord(partition(2, [2, 1, 4], [4, 2], { adding: [1], removing: [4], original: [4, 2] })),
    // Replica 4 moved in and is in sync already; 5 still copies.
    partitionRecord(partition(3, [1, 4, 5, 2], [1, 2, 4], { adding: [4, 5], removing: [2], original: [1, 2] })),
    ...configs.map(([kind, name, value]) => configRecord(kind, name, 'follower.replication.throttled.rate', value)),
  ], 1);
}

describe('followerThrottleOf', () => {
  it('throttles only the replicas moving onto the broker and not in sync yet, at its rate, else the cluster default', () => {
    const state = stateWith([
      ['cluster', '', '5000'],
      ['broker', '4', '1000000'],
    ]);
    expect(followerThrottleOf(state, 4)).toEqual({ rateBytesPerSec: 1_000_000, partitions: new Map([[TOPIC_ID, new Set([0])]]) });
    expect(followerThrottleOf(state, 5)).toEqual({ rateBytesPerSec: 5000, partitions: new Map([[TOPIC_ID, new Set([3])]]) });
    expect(followerThrottleOf(state, 1)).toEqual({ rateBytesPerSec: 5000, partitions: new Map([[TOPIC_ID, new Set([2])]]) });
    expect(followerThrottleOf(state, 2)).toEqual({ rateBytesPerSec: 5000, partitions: new Map() });
  });

  it('has no limit unless the rate is set', () => {
    expect(followerThrottleOf(stateWith([]), 4).rateBytesPerSec).toBeUndefined();
  });
});
