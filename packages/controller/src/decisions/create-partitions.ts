// CreatePartitions: partitions can only be added (keys would otherwise move between partitions
// and lose their order); new ones are placed like a topic's first ones, with the topic's
// replication factor.
import { ErrorCode } from '@quill/proto';
import { type MetadataState, isUsableBroker, partitionRecord, topicByName } from '@quill/metadata';
import { checkPartitionCount, checkReplicationFactor, type TopicCreationPolicy } from './create-topics.js';
import { accept, reject, type Decision } from './decision.js';
import { checkReplicaAssignments, newPartitions, type ManualAssignment } from './partition-assignment.js';
import { brokerLoads, placementBrokers } from './placement-input.js';
import { placeReplicas } from './replica-placement.js';

export interface PartitionAdditionRequest {
  readonly name: string;
  /** The new total number of partitions. */
  readonly count: number;
  /** Placement of the new partitions only (numbered from the current count); empty lets the controller place. */
  readonly assignments: readonly ManualAssignment[];
}

export interface AddedPartitions {
  readonly topicId: string;
  readonly previousCount: number;
  readonly count: number;
}

export function createPartitions(
  state: MetadataState,
  request: PartitionAdditionRequest,
  policy: TopicCreationPolicy,
): Decision<AddedPartitions> {
  const topic = topicByName(state, request.name);
  if (topic === undefined) return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${request.name}' does not exist.`);
  const current = topic.partitions.size;
  if (request.count === current) return reject(ErrorCode.INVALID_PARTITIONS, `Topic '${request.name}' already has ${current} partitions.`);
  if (request.count < current) {
    return reject(
      ErrorCode.INVALID_PARTITIONS,
      `Topic '${request.name}' has ${current} partitions, more than the requested ${request.count}: partitions can only be added.`,
    );
  }
  const badCount = checkPartitionCount(request.count, policy);
  if (badCount !== undefined) return badCount;
  const replicationFactor = topic.partitions.get(0)!.replicas.length;
  const added = request.count - current;

  let replicaLists: number[][];
  if (request.assignments.length > 0) {
    if (request.assignments.length !== added) {
      return reject(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `${request.assignments.length} assignments given for ${added} new partitions.`,
      );
    }
    const checked = checkReplicaAssignments(state, request.assignments, current);
    if ('ok' in checked) return checked;
    if (checked[0]!.length !== replicationFactor) {
      return reject(
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `The new partitions have ${checked[0]!.length} replicas, but topic '${request.name}' has a replication factor of ${replicationFactor}.`,
      );
    }
    replicaLists = checked;
  } else {
    const brokers = placementBrokers(state);
    const badFactor = checkReplicationFactor(replicationFactor, brokers.length);
    if (badFactor !== undefined) return badFactor;
    replicaLists = placeReplicas(brokers, brokerLoads(state, brokers), added, replicationFactor);
  }
  const partitions = newPartitions(topic.topicId, current, replicaLists, (id) => isUsableBroker(state, id));
  return accept(partitions.map(partitionRecord), { topicId: topic.topicId, previousCount: current, count: request.count });
}
