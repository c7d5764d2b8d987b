// CreateTopics: validate as Kafka does, place replicas, and write the topic as one atomic batch
// (TopicRecord, its ConfigRecords, then one PartitionRecord per partition).
import { ErrorCode } from '@quill/proto';
import {
  type MetadataRecord,
  type MetadataState,
  applyRecords,
  checkTopicConfigs,
  configRecord,
  isUsableBroker,
  partitionRecord,
  topicByName,
  topicRecord,
} from '@quill/metadata';
import { accept, refuse, reject, type Decision, type Rejected } from './decision.js';
import { placementBrokers, brokerLoads } from './placement-input.js';
import { checkReplicaAssignments, newPartitions, type ManualAssignment } from './partition-assignment.js';
import { placeReplicas } from './replica-placement.js';
import { checkTopicName, collidingTopic } from './topic-name.js';

export interface TopicCreationPolicy {
  /** num.partitions: used when a request asks for -1. */
  readonly defaultPartitions: number;
  /** default.replication.factor: used when a request asks for -1. */
  readonly defaultReplicationFactor: number;
  /** A named bound on one topic's partitions, so a typo cannot create millions. */
  readonly partitionsPerTopicMax: number;
}

export const DEFAULT_TOPIC_CREATION_POLICY: TopicCreationPolicy = Object.freeze({
  defaultPartitions: 1,
  defaultReplicationFactor: 1,
  partitionsPerTopicMax: 10_000,
});

export interface TopicCreationRequest {
  readonly name: string;
  /** -1 for the policy's default. */
  readonly numPartitions: number;
  /** -1 for the policy's default. */
  readonly replicationFactor: number;
  /** Explicit placement (then both counts must be -1); empty lets the controller place. */
  readonly assignments: readonly ManualAssignment[];
  readonly configs: Readonly<Record<string, string>>;
}

export interface TopicCreationContext {
  readonly policy: TopicCreationPolicy;
  /** A new topic id (canonical lowercase UUID); injected so tests and simulations are deterministic. */
  readonly newTopicId: () => string;
}

export interface CreatedTopic {
  readonly name: string;
  readonly topicId: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

const CANONICAL_UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function checkNewName(state: MetadataState, name: string): Rejected | undefined {
  const badName = checkTopicName(name);
  if (badName !== undefined) return badName;
  if (topicByName(state, name) !== undefined) return reject(ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${name}' already exists.`);
  const collision = collidingTopic(name, state.topicIdsByName.keys());
  if (collision !== undefined) {
    return reject(
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic '${name}' collides with existing topic '${collision}': '.' and '_' are the same in metric names.`,
    );
  }
  return undefined;
}

export function checkPartitionCount(count: number, policy: TopicCreationPolicy): Rejected | undefined {
  if (!Number.isInteger(count) || count < 1) return reject(ErrorCode.INVALID_PARTITIONS, `The number of partitions must be at least 1, got ${count}.`);
  if (count > policy.partitionsPerTopicMax) {
    return reject(ErrorCode.INVALID_PARTITIONS, `The number of partitions ${count} exceeds the limit of ${policy.partitionsPerTopicMax} per topic.`);
  }
  return undefined;
}

export function checkReplicationFactor(replicationFactor: number, usableBrokerCount: number): Rejected | undefined {
  if (!Number.isInteger(replicationFactor) || replicationFactor < 1) {
    return reject(ErrorCode.INVALID_REPLICATION_FACTOR, `The replication factor must be at least 1, got ${replicationFactor}.`);
  }
  if (replicationFactor > usableBrokerCount) {
    return reject(
      ErrorCode.INVALID_REPLICATION_FACTOR,
      `Unable to replicate the partition ${replicationFactor} time(s): only ${usableBrokerCount} broker(s) are unfenced and not shutting down.`,
    );
  }
  return undefined;
}

function topicIdFor(state: MetadataState, context: TopicCreationContext): string {
  const topicId = context.newTopicId();
  // A broken id source is a bug, not a bad request.
  if (!CANONICAL_UUID.test(topicId)) throw new RangeError(`topic id source returned ${topicId}, not a lowercase UUID`);
  if (state.topicsById.has(topicId)) throw new RangeError(`topic id source returned ${topicId}, which is in use`);
  return topicId;
}

/** The replica lists of the new topic, or the refusal. */
function replicaLists(
  state: MetadataState,
  request: TopicCreationRequest,
  policy: TopicCreationPolicy,
): { replicas: number[][]; replicationFactor: number } | Rejected {
  if (request.assignments.length > 0) {
    if (request.numPartitions !== -1 || request.replicationFactor !== -1) {
      return reject(ErrorCode.INVALID_REQUEST, 'With explicit replica assignments, numPartitions and replicationFactor must be -1.');
    }
    const badCount = checkPartitionCount(request.assignments.length, policy);
    if (badCount !== undefined) return badCount;
    const checked = checkReplicaAssignments(state, request.assignments, 0);
    if ('ok' in checked) return checked;
    return { replicas: checked, replicationFactor: checked[0]!.length };
  }
  const numPartitions = request.numPartitions === -1 ? policy.defaultPartitions : request.numPartitions;
  const badCount = checkPartitionCount(numPartitions, policy);
  if (badCount !== undefined) return badCount;
  const replicationFactor = request.replicationFactor === -1 ? policy.defaultReplicationFactor : request.replicationFactor;
  const brokers = placementBrokers(state);
  const badFactor = checkReplicationFactor(replicationFactor, brokers.length);
  if (badFactor !== undefined) return badFactor;
  return { replicas: placeReplicas(brokers, brokerLoads(state, brokers), numPartitions, replicationFactor), replicationFactor };
}

export function createTopic(state: MetadataState, request: TopicCreationRequest, context: TopicCreationContext): Decision<CreatedTopic> {
  const badName = checkNewName(state, request.name);
  if (badName !== undefined) return badName;
  const placed = replicaLists(state, request, context.policy);
  if ('ok' in placed) return placed;
  const configs = new Map(Object.entries(request.configs));
  const badConfig = checkTopicConfigs(configs, placed.replicationFactor);
  if (badConfig !== undefined) return refuse(badConfig);

  const topicId = topicIdFor(state, context);
  const records: MetadataRecord[] = [topicRecord(request.name, topicId)];
  for (const key of [...configs.keys()].sort()) records.push(configRecord('topic', request.name, key, configs.get(key)));
  const isUsable = (id: number): boolean => isUsableBroker(state, id);
  records.push(...newPartitions(topicId, 0, placed.replicas, isUsable).map(partitionRecord));
  return accept(records, {
    name: request.name,
    topicId,
    numPartitions: placed.replicas.length,
    replicationFactor: placed.replicationFactor,
  });
}

export interface TopicCreationOutcome {
  readonly name: string;
  readonly decision: Decision<CreatedTopic>;
}

/**
 * A whole CreateTopics request: each topic decided against the state left by the ones before
 * it (so placement sees their load), a name given twice refused for every occurrence, as Kafka
 * does. The records of all accepted topics, in request order, form one batch.
 */
export function createTopics(
  state: MetadataState,
  requests: readonly TopicCreationRequest[],
  context: TopicCreationContext,
): { outcomes: TopicCreationOutcome[]; records: MetadataRecord[] } {
  const seen = new Map<string, number>();
  for (const request of requests) seen.set(request.name, (seen.get(request.name) ?? 0) + 1);
  let scratch = state;
  const records: MetadataRecord[] = [];
  const outcomes = requests.map((request): TopicCreationOutcome => {
    if (seen.get(request.name)! > 1) {
      return { name: request.name, decision: reject(ErrorCode.INVALID_REQUEST, `Topic '${request.name}' appears more than once in the request.`) };
    }
    const decision = createTopic(scratch, request, context);
    if (decision.ok) {
      scratch = applyRecords(scratch, decision.records, scratch.offset);
      records.push(...decision.records);
    }
    return { name: request.name, decision };
  });
  return { outcomes, records };
}
