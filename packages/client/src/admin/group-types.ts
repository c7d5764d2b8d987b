import type { TopicPartition } from '../consumer/types.js';

/** One group as `listGroups` returns it. */
export interface GroupOverview {
  groupId: string;
  /** "consumer" for consumer groups. */
  protocolType: string;
  /** "Empty", "PreparingRebalance", "CompletingRebalance", "Stable" or "Dead". */
  state: string;
}

/** One member of a described group. */
export interface GroupMemberDescription {
  memberId: string;
  groupInstanceId: string | undefined;
  clientId: string;
  clientHost: string;
  /** The member's subscription bytes (decode with `decodeSubscription`). */
  memberMetadata: Buffer;
  /** The member's assignment bytes (decode with `decodeAssignment`). */
  memberAssignment: Buffer;
  /** The assignment, decoded (empty for a non-consumer group, a Kafka client's group, or while rebalancing). */
  assignment: TopicPartition[];
}

/** A group as `describeGroups` returns it (KafkaJS's shape, plus the decoded assignment). */
export interface GroupDescription {
  groupId: string;
  state: string;
  protocolType: string;
  /** The assignor the group uses. */
  protocol: string;
  members: GroupMemberDescription[];
  /** NONE, or why the group could not be described (e.g. NOT_COORDINATOR after retries). */
  errorCode: string;
}

/** A group's committed offset of one partition, with where the log ends. */
export interface GroupPartitionOffset {
  partition: number;
  /** The committed offset (the next to consume), -1 when none is committed. */
  offset: number;
  metadata: string | null;
  /** The partition's high watermark (where the next message goes); -1 when it could not be read. */
  high: number;
  /** Messages after the committed offset (from the log start when none is committed); -1 when unknown. */
  lag: number;
}

/** The argument of `admin.fetchOffsets`. */
export interface FetchOffsetsOptions {
  groupId: string;
  /** Topics to report (every partition of each); default: every topic the group has committed offsets for. */
  topics?: string[];
}

/** The argument of `admin.resetOffsets`. */
export interface ResetOffsetsOptions {
  groupId: string;
  topic: string;
  /** Reset to the log start (true) or to the end (false, the default), as KafkaJS. */
  earliest?: boolean;
}

/** The argument of `admin.setOffsets`. */
export interface SetOffsetsOptions {
  groupId: string;
  topic: string;
  partitions: Array<{ partition: number; offset: number | `${number}` }>;
}
