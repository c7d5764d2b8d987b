// A metadata cluster with brokers 1..n and topic "t", and the leader's ISR proposal on it: the
// fixture the decision tests share.
import { SeededRandom } from '@quill/random';
import { type PartitionMetadata, partitionOf, topicByName } from '@quill/metadata';
import { alterPartition } from '../decisions/alter-partition.js';
import { createTopic } from '../decisions/create-topics.js';
import { MetadataCluster, seededUuids } from './metadata-cluster.js';

/** Brokers 1..n and topic "t" with the given replica lists (topic ids from `seed`). */
export function clusterWith(brokers: number, replicaLists: number[][], options: { configs?: Record<string, string>; seed?: number } = {}): MetadataCluster {
  const c = new MetadataCluster(seededUuids(new SeededRandom(options.seed ?? 5)));
  for (let id = 1; id <= brokers; id++) c.addBroker(id);
  const assignments = replicaLists.map((brokerIds, partition) => ({ partition, brokerIds }));
  c.expect(createTopic(c.state, { name: 't', numPartitions: -1, replicationFactor: -1, assignments, configs: options.configs ?? {} }, c.topicContext));
  return c;
}

export function partitionOfT(c: MetadataCluster, index = 0): PartitionMetadata {
  return partitionOf(c.state, topicByName(c.state, 't')!.topicId, index)!;
}

/** The leader of partition `index` of "t" asks for `isr`. */
export function proposeIsr(c: MetadataCluster, isr: number[], index = 0): void {
  const p = partitionOfT(c, index);
  const leader = c.state.brokers.get(p.leader)!;
  c.expect(
    alterPartition(c.state, {
      brokerId: leader.brokerId,
      brokerEpoch: leader.brokerEpoch,
      topicId: p.topicId,
      partition: index,
      leaderEpoch: p.leaderEpoch,
      partitionEpoch: p.partitionEpoch,
      newIsr: isr,
    }),
  );
}
