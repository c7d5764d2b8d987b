import type { PartitionMetadata } from '../cluster/index.js';

/** Metadata of `count` partitions led by broker 1, except those in `leaderless` (leader -1), for partitioner tests. */
export function partitionMetadata(count: number, leaderless: number[] = []): PartitionMetadata[] {
  return Array.from({ length: count }, (_, i) => ({
    partitionId: i,
    leader: leaderless.includes(i) ? -1 : 1,
    leaderEpoch: 0,
    replicas: [1],
    isr: [1],
    offlineReplicas: [],
    partitionErrorCode: 'NONE' as const,
  }));
}
