import type { PartitionAssignor } from '../group/assignors/index.js';
import type { RetryConfig } from '../retry/index.js';
import type { TopicPartition } from '../topic-partition.js';

/**
 * Where to start reading a partition: an offset (a number, or a numeric string as KafkaJS
 * takes it), or 'earliest' / 'latest' (the log start, or the end: only new messages).
 */
export type OffsetSpec = number | `${number}` | 'earliest' | 'latest';

/** What to do when the position is not in the log (OFFSET_OUT_OF_RANGE): jump to an end, or fail. */
export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

export type { TopicPartition };

/** A partition and where to read it from. */
export interface TopicPartitionOffset extends TopicPartition {
  offset: OffsetSpec;
}

/** A partition and the offset to commit for it: the next one to consume (last processed + 1). */
export interface TopicPartitionOffsetCommit extends TopicPartition {
  offset: number | `${number}`;
}

/**
 * Record headers as received: a header sent several times comes as an array, in order. A message
 * without headers shares one frozen empty object (no allocation per message): copy it to add to it.
 */
export interface ReceivedHeaders {
  [key: string]: Buffer | null | Array<Buffer | null>;
}

/** One message as read from a partition. */
export interface ReceivedMessage {
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: ReceivedHeaders;
  /** Create time, or the broker's append time for LogAppendTime topics, in ms since the epoch. */
  timestamp: number;
}

/** A message with the partition it came from: what `consumer.messages()` yields. */
export interface ConsumedMessage extends ReceivedMessage, TopicPartition {}

/** What `eachMessage` receives (KafkaJS's shape). */
export interface EachMessagePayload extends TopicPartition {
  message: ReceivedMessage;
  /** Heartbeats run on their own timer; kept for KafkaJS compatibility, it resolves at once. */
  heartbeat(): Promise<void>;
  /** Pauses this message's partition (as `consumer.pause`); returns the function that resumes it. */
  pause(): () => void;
}

/** Handles one message; the consumer moves past it once the promise resolves. */
export type EachMessageHandler = (payload: EachMessagePayload) => Promise<void>;

/** The messages of one partition handed to `eachBatch`. */
export interface Batch extends TopicPartition {
  /** The partition's high watermark when fetched. */
  highWatermark: number;
  messages: ReceivedMessage[];
  isEmpty(): boolean;
  firstOffset(): number | null;
  lastOffset(): number;
  /** Messages between the last one here and the high watermark. */
  offsetLag(): number;
}

/** What `eachBatch` receives (KafkaJS's shape). */
export interface EachBatchPayload {
  batch: Batch;
  /** Marks every message up to and including `offset` as processed (committed by auto-commit). */
  resolveOffset(offset: number): void;
  /** Heartbeats run on their own timer; kept for KafkaJS compatibility, it resolves at once. */
  heartbeat(): Promise<void>;
  /** Commits now if the auto-commit interval or threshold says so. */
  commitOffsetsIfNecessary(): Promise<void>;
  /** Processed offsets not committed yet. */
  uncommittedOffsets(): TopicPartitionOffsetCommit[];
  /** False once the consumer is stopping: a long batch handler should return early. */
  isRunning(): boolean;
  /** True once the partition was revoked or sought: the rest of the batch should not be handled. */
  isStale(): boolean;
  /** Pauses the batch's partition; returns the function that resumes it. */
  pause(): () => void;
}

/** Handles the messages of one partition fetch. */
export type EachBatchHandler = (payload: EachBatchPayload) => Promise<void>;

/** The argument of `consumer.run`: exactly one of `eachMessage` and `eachBatch`. */
export interface ConsumerRunConfig {
  eachMessage?: EachMessageHandler;
  eachBatch?: EachBatchHandler;
  /** With `eachBatch`: resolve the whole batch when the handler resolves. Default true. */
  eachBatchAutoResolve?: boolean;
  /** Commit processed offsets automatically (groups only). Default true. */
  autoCommit?: boolean;
  /** Commit at most this often, in ms (Kafka's auto.commit.interval.ms). Default 5000. */
  autoCommitInterval?: number;
  /** Same as `autoCommitInterval`. */
  autoCommitIntervalMs?: number;
  /** Also commit once this many messages were processed since the last commit. Default: off. */
  autoCommitThreshold?: number;
  /** Partitions handled at once (order is kept within each partition). Default 1. */
  partitionsConsumedConcurrently?: number;
}

/** The argument of `consumer.subscribe` (KafkaJS's shape). */
export interface ConsumerSubscribeTopics {
  /** Topic names or RegExps matched against the cluster's topics when the group (re)joins. */
  topics?: Array<string | RegExp>;
  /** One topic, as KafkaJS's older `{ topic }` form. */
  topic?: string | RegExp;
  /** Where to start partitions the group has no committed offset for: earliest (true) or latest. Default false. */
  fromBeginning?: boolean;
}

/** Options of `quill.consumer(...)`. Names and defaults as KafkaJS. */
export interface ConsumerOptions {
  /** The consumer group; needed for `subscribe`, commits and rebalancing. Without it, use `assign`. */
  groupId?: string;
  /** The coordinator drops a member it has not heard from for this long, in ms. Default 30 000. */
  sessionTimeout?: number;
  /** How long a rebalance waits for members to rejoin, in ms. Default 60 000. */
  rebalanceTimeout?: number;
  /**
   * Time between heartbeats, in ms. Default 3000. Each heartbeat is a long poll: the coordinator
   * holds it up to this long and answers at once when the group starts rebalancing, so the
   * member hears of a rebalance within a round trip, not a heartbeat interval later.
   */
  heartbeatInterval?: number;
  /**
   * Longest time a handler may hold one message (or batch) before this member leaves the
   * group so its partitions go to others; it rejoins once the handler returns. Default 300 000.
   */
  maxPollIntervalMs?: number;
  /** Static membership (Kafka's group.instance.id): a restart within the session timeout keeps the partitions without a rebalance. */
  groupInstanceId?: string;
  /** Assignors in preference order. Default `[PartitionAssigners.roundRobin]` (KafkaJS's). */
  partitionAssigners?: PartitionAssignor[];
  /** Longest time a fetch waits on the broker for `minBytes`, in ms. Default 5000. */
  maxWaitTimeInMs?: number;
  /** Bytes a fetch waits for before the broker answers. Default 1. */
  minBytes?: number;
  /** Soft cap on a fetch response, in bytes. Default 10 MiB. */
  maxBytes?: number;
  /** Soft cap per partition in a fetch response, in bytes. Default 1 MiB. */
  maxBytesPerPartition?: number;
  /** Read past the last stable offset (messages of open and aborted transactions too). Default false. */
  readUncommitted?: boolean;
  /** When the position falls outside the log. Default 'earliest'. */
  autoOffsetReset?: AutoOffsetReset;
  /** Overrides the client's retry options for this consumer (also how often a failing `eachMessage` is retried). */
  retry?: RetryConfig;
  /** Refresh metadata older than this, in ms; also how often a group member looks for new matching topics and partitions. Default 300 000. */
  metadataMaxAgeMs?: number;
  /** KafkaJS's name for `metadataMaxAgeMs`. */
  metadataMaxAge?: number;
  /** Accepted for KafkaJS compatibility when false; a consumer never creates topics (a producer or the admin client does). */
  allowAutoTopicCreation?: false;
  /** Accepted for KafkaJS compatibility, without effect: a consumer has one fetch in flight per broker. */
  maxInFlightRequests?: number;
}

/** Events a consumer emits, by name, with their payloads. */
export interface ConsumerEvents {
  /** The consumer stopped on an error it cannot recover from (a handler that keeps failing, a non-retriable fetch error). */
  'consumer.crash': { error: Error; groupId: string | undefined };
  /** The member joined a generation of its group and got its assignment. */
  'consumer.group_join': {
    groupId: string;
    memberId: string;
    leaderId: string;
    isLeader: boolean;
    generationId: number;
    groupProtocol: string;
    memberAssignment: Record<string, number[]>;
    durationMs: number;
  };
  /** The member starts (re)joining its group. */
  'consumer.rebalancing': { groupId: string; memberId: string; reason: string };
  /** A heartbeat went through. */
  'consumer.heartbeat': { groupId: string; memberId: string; groupGenerationId: number };
  /** Offsets were committed. */
  'consumer.commit_offsets': {
    groupId: string;
    memberId: string;
    groupGenerationId: number;
    topics: Array<{ topic: string; partitions: Array<{ partition: number; offset: number }> }>;
  };
  /** Partitions were given to this member (it starts reading them). */
  'consumer.partitions_assigned': { groupId: string; partitions: TopicPartition[] };
  /** Partitions were taken from this member in a rebalance (processed offsets were committed first). */
  'consumer.partitions_revoked': { groupId: string; partitions: TopicPartition[] };
  /** Partitions were lost without a commit (the member was dropped from the group). */
  'consumer.partitions_lost': { groupId: string; partitions: TopicPartition[] };
  /** The member left its group (disconnect, or a handler held a message past maxPollIntervalMs). */
  'consumer.group_leave': { groupId: string; memberId: string; reason: string };
}

/** Names of consumer events (KafkaJS's `consumer.events`). */
export const ConsumerEventNames = {
  CRASH: 'consumer.crash',
  GROUP_JOIN: 'consumer.group_join',
  REBALANCING: 'consumer.rebalancing',
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  PARTITIONS_ASSIGNED: 'consumer.partitions_assigned',
  PARTITIONS_REVOKED: 'consumer.partitions_revoked',
  PARTITIONS_LOST: 'consumer.partitions_lost',
  GROUP_LEAVE: 'consumer.group_leave',
} as const satisfies Record<string, keyof ConsumerEvents>;
