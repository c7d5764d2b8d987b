// New partitions from replica lists, whether placed by the controller or given by the caller.
import { ErrorCode } from '@quill/proto';
import { type MetadataState, type PartitionMetadata, isUsableBroker } from '@quill/metadata';
import { reject, type Rejected } from './decision.js';

/** One partition of an explicit placement (ReplicaAssignment on the wire). */
export interface ManualAssignment {
  readonly partition: number;
  readonly brokerIds: readonly number[];
}

/**
 * Checks an explicit placement of partitions firstPartition, firstPartition+1, ...: every one
 * given once, each replica list non-empty, duplicate-free, of one common length, on registered
 * brokers, with at least one broker that can take the lead. Returns the lists in partition order.
 */
export function checkReplicaAssignments(
  state: MetadataState,
  assignments: readonly ManualAssignment[],
  firstPartition: number,
): number[][] | Rejected {
  const byPartition = new Map<number, readonly number[]>();
  for (const assignment of assignments) {
    if (byPartition.has(assignment.partition)) {
      return reject(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partition ${assignment.partition} is assigned twice.`);
    }
    byPartition.set(assignment.partition, assignment.brokerIds);
  }
  const lists: number[][] = [];
  for (let partition = firstPartition; partition < firstPartition + assignments.length; partition++) {
    const brokerIds = byPartition.get(partition);
    if (brokerIds === undefined) {
      return reject(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `The assignment must cover partitions ${firstPartition} to ${firstPartition + assignments.length - 1}; partition ${partition} is missing.`,
      );
    }
    if (brokerIds.length === 0) return reject(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partition ${partition} has no replicas.`);
    if (new Set(brokerIds).size !== brokerIds.length) {
      return reject(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partition ${partition} lists a broker twice: ${brokerIds.join(',')}.`);
    }
    if (brokerIds.length !== (lists[0] ?? brokerIds).length) {
      return reject(ErrorCode.INVALID_REPLICA_ASSIGNMENT, 'All partitions must have the same number of replicas.');
    }
    const unknown = brokerIds.find((id) => !state.brokers.has(id));
    if (unknown !== undefined) return reject(ErrorCode.INVALID_REPLICA_ASSIGNMENT, `Partition ${partition} is assigned to unregistered broker ${unknown}.`);
    if (!brokerIds.some((id) => isUsableBroker(state, id))) {
      return reject(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `All brokers assigned to partition ${partition} are fenced or shutting down, so it could have no leader.`,
      );
    }
    lists.push([...brokerIds]);
  }
  return lists;
}

/**
 * Fresh partitions: the ISR is every replica that can serve now, the leader the first of them
 * in replica order (the preferred leader when it is up).
 */
export function newPartitions(
  topicId: string,
  firstPartition: number,
  replicaLists: readonly (readonly number[])[],
  isUsable: (brokerId: number) => boolean,
): PartitionMetadata[] {
  return replicaLists.map((replicas, index) => {
    const isr = replicas.filter(isUsable);
    return { topicId, partition: firstPartition + index, replicas, isr, leader: isr[0]!, leaderEpoch: 0, partitionEpoch: 0 };
  });
}
