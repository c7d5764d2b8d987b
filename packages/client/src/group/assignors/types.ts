import type { TopicPartition } from '../../topic-partition.js';

/** One member as the group leader sees it when assigning. */
export interface AssignorMember {
  memberId: string;
  /** Static members are ordered by instance id, so a restart does not shuffle the assignment. */
  groupInstanceId?: string | undefined;
  topics: readonly string[];
  /** Partitions the member reported owning (cooperative assignors keep them in place). */
  ownedPartitions: readonly TopicPartition[];
  /** The generation of `ownedPartitions`; -1 unknown. */
  generationId: number;
}

/** What an assignor works from: the members and every subscribed topic's partition count. */
export interface AssignmentInput {
  members: readonly AssignorMember[];
  partitionsPerTopic: ReadonlyMap<string, number>;
}

/** Member id → the partitions assigned to it (every member has an entry, possibly empty). */
export type GroupAssignment = Map<string, TopicPartition[]>;

/**
 * How a group's partitions are spread over its members (KafkaJS's partition assigner, as a
 * pure function). `eager` assignors make every member give up everything on a rebalance;
 * `cooperative` ones (KIP-429) let members keep what stays with them.
 */
export interface PartitionAssignor {
  /** The protocol name in JoinGroup, e.g. "range". */
  readonly name: string;
  readonly rebalanceProtocol: 'eager' | 'cooperative';
  assign(input: AssignmentInput): GroupAssignment;
}

/** Members in a stable order: static ones by instance id first, then by member id (Kafka's order). */
export function sortedMembers(members: readonly AssignorMember[]): AssignorMember[] {
  const key = (m: AssignorMember): string => (m.groupInstanceId !== undefined ? `0${m.groupInstanceId}` : `1${m.memberId}`);
  return [...members].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** An empty assignment with an entry per member. */
export function emptyAssignment(members: readonly AssignorMember[]): GroupAssignment {
  return new Map(members.map((m) => [m.memberId, [] as TopicPartition[]]));
}

/** The subscribed topics that exist, sorted. */
export function subscribedTopics(input: AssignmentInput): string[] {
  const topics = new Set(input.members.flatMap((m) => m.topics));
  return [...topics].filter((t) => (input.partitionsPerTopic.get(t) ?? 0) > 0).sort();
}
