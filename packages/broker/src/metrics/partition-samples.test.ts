import { describe, expect, it } from 'vitest';
import { EMPTY_METADATA_STATE } from '@quill/metadata';
import { partitionSamples, type ReplicaView } from './partition-samples.js';

const replica = (index: number, overrides: Partial<ReplicaView>): ReplicaView => ({
  topic: 'orders', index, isLeader: true, isOffline: false, replicas: [1, 2, 3], isr: [1, 2, 3],
  logEndOffset: 10, logStartOffset: 0, highWatermark: 10, sizeBytes: 100, ...overrides,
});

describe('partitionSamples', () => {
  it('counts under-replicated partitions among those led here, leaders and hosted replicas', () => {
    const samples = partitionSamples(
      [replica(0, { isr: [1, 2] }), replica(1, {}), replica(2, { isLeader: false, isr: [2] }), replica(3, { isr: [1], isOffline: true })],
      EMPTY_METADATA_STATE,
    );
    expect(samples).toMatchObject({ underReplicated: 1, leaders: 2, partitions: 4, offline: 0 });
  });
});
