import type { CompressionType } from '@quill/records';
import type { PartitionMetadata } from '../cluster/index.js';
import type { RetryOptions } from '../retry/index.js';

/** A header value: text is sent as UTF-8. */
export type MessageHeaderValue = Buffer | string | null;

/** Record headers by name; an array sends the same header several times, in order. */
export interface MessageHeaders {
  [key: string]: MessageHeaderValue | MessageHeaderValue[] | undefined;
}

/** One message to produce. */
export interface Message {
  /** Decides the partition (murmur2, as Kafka) unless `partition` is given. Null keys are spread round-robin. */
  key?: Buffer | string | null;
  /** The payload; null is a tombstone (deletes the key in a compacted topic). */
  value: Buffer | string | null;
  /** Send to this partition; wins over the key. */
  partition?: number;
  headers?: MessageHeaders;
  /** Creation time in ms since the epoch (a number, or a string as KafkaJS takes it); defaults to now. */
  timestamp?: number | string;
}

/**
 * How many replicas must have the messages before the broker answers: -1 all in-sync replicas
 * (the default, durable), 1 the leader only, 0 no answer at all.
 */
export type Acks = -1 | 0 | 1;

/** Codecs for record batches, under KafkaJS's names. */
export const CompressionTypes = {
  None: 'none',
  GZIP: 'gzip',
  Snappy: 'snappy',
  LZ4: 'lz4',
  ZSTD: 'zstd',
} as const satisfies Record<string, CompressionType>;

export type { CompressionType };

/** Options shared by `send` and `sendBatch`. */
export interface SendOptions {
  /** Default -1 (all in-sync replicas). */
  acks?: Acks;
  /** How long the broker may wait for replication (acks -1) before answering REQUEST_TIMED_OUT, in ms. Default 30 000. */
  timeout?: number;
  /** Default 'none'. */
  compression?: CompressionType;
}

/** The argument of `producer.send`. */
export interface ProducerRecord extends SendOptions {
  topic: string;
  messages: Message[];
}

/** Messages for one topic, in `sendBatch`. */
export interface TopicMessages {
  topic: string;
  messages: Message[];
}

/** The argument of `producer.sendBatch`: several topics in one go. */
export interface ProducerBatch extends SendOptions {
  topicMessages: TopicMessages[];
}

/** Where the messages of one partition were written (KafkaJS's RecordMetadata). */
export interface RecordMetadata {
  topicName: string;
  partition: number;
  /** Always 0 (NONE): failures are thrown, not returned. */
  errorCode: number;
  /** Offset of the partition's first message of this send; -1 with acks 0. */
  baseOffset: number;
  /** The broker's append time when the topic uses LogAppendTime, else -1. */
  logAppendTime: number;
  /** The partition's log start offset, -1 when unknown (acks 0). */
  logStartOffset: number;
}

/** What a partitioner is given for one message. */
export interface PartitionerArgs {
  topic: string;
  /** The topic's partitions, sorted by id. */
  partitionMetadata: readonly PartitionMetadata[];
  message: Message;
}

/** Picks the partition of a message that has no explicit `partition`. */
export type Partitioner = (args: PartitionerArgs) => number;

/** Makes a partitioner (one per producer, so it may keep state such as round-robin counters). */
export type PartitionerFactory = () => Partitioner;

/** Options of `quill.producer(...)`. */
export interface ProducerOptions {
  /**
   * Exactly-once delivery per partition for acks=-1 sends (default true): batches carry a producer
   * id and sequence numbers, so the broker drops a retried batch it already has. One batch per
   * partition is in flight at a time, so a partition's batches never reorder.
   */
  idempotent?: boolean;
  /** Defaults to the Kafka-compatible partitioner (murmur2 of the key, round-robin for null keys). */
  createPartitioner?: PartitionerFactory;
  /** Overrides the client's retry options for this producer. */
  retry?: Partial<RetryOptions>;
  /** Refresh metadata older than this, in ms. Default 300 000. */
  metadataMaxAgeMs?: number;
  /**
   * Ask brokers to create unknown topics on first use (when the cluster enables
   * `auto.create.topics.enable`, off by default). Default true, as KafkaJS.
   */
  allowAutoTopicCreation?: boolean;
}
