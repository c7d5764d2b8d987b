import type { TopicPartition } from '../topic-partition.js';
import type { PartitionAssignor } from './assignors/index.js';

/** The group settings of a consumer (resolved, with defaults). */
export interface GroupSettings {
  groupId: string;
  /** The coordinator drops a member it has not heard from for this long, in ms. */
  sessionTimeoutMs: number;
  /** How long the coordinator waits for every member to rejoin in a rebalance, in ms. */
  rebalanceTimeoutMs: number;
  /** Time between heartbeats, in ms (a third of the session timeout or less). */
  heartbeatIntervalMs: number;
  /** Longest a handler may hold a message before the member leaves the group, in ms. */
  maxPollIntervalMs: number;
  /** Static membership (Kafka's group.instance.id). */
  groupInstanceId: string | undefined;
  /**
   * How often the member looks for subscription changes in the metadata (a new topic matching
   * a RegExp, partitions added), in ms; a change makes it rejoin (Kafka's metadata.max.age.ms).
   */
  metadataMaxAgeMs: number;
  /** In preference order; the group uses the first one every member supports. */
  assignors: readonly PartitionAssignor[];
}

/** A partition and the next offset to consume from it: what is committed. */
export interface TopicPartitionCommit extends TopicPartition {
  offset: number;
}

/**
 * What the group driver asks of the consumer it serves. The consumer decides where reading
 * starts and what is committed; the driver only runs the protocol.
 */
export interface AssignmentListener {
  /** The topics to subscribe to now (RegExps resolved against the cluster's topics). */
  subscribedTopics(signal: AbortSignal): Promise<string[]>;
  /** Partitions given to this member: start reading them (from committed offsets). */
  assigned(partitions: TopicPartition[], signal: AbortSignal): Promise<void>;
  /** Partitions taken away in an orderly way: stop reading, wait for their handlers, commit, forget. */
  revoked(partitions: TopicPartition[]): Promise<void>;
  /** Partitions lost without a chance to commit (the member was dropped from the group): stop reading them. */
  lost(partitions: TopicPartition[]): Promise<void>;
  /** True while a handler has held a message for longer than maxPollIntervalMs. */
  pollOverdue(): boolean;
  /** Called after every heartbeat: the consumer commits on its interval even when no message arrives. */
  tick(): Promise<void>;
}
