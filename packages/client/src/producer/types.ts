import type { CompressionType } from '@quill/records';
import type { PartitionMetadata } from '../cluster/index.js';
import type { RetryConfig } from '../retry/index.js';

/** A header value: text is sent as UTF-8. */
export type MessageHeaderValue = Buffer | string | null;

/** Record headers by name; an array sends the same header several times, in order. */
export interface MessageHeaders {
  [key: string]: MessageHeaderValue | MessageHeaderValue[] | undefined;
}

/** One message to produce. */
export interface Message {
  /** Decides the partition (murmur2, as Kafka) unless `partition` is given. Messages without a key stick to one partition per batch (see `ProducerOptions.createPartitioner`). */
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
  /** Codec of these messages' batches; defaults to the producer's `compression` ('none' unless set). */
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

/** Options of `quill.producer(...)`. Names follow KafkaJS where it has them, else Kafka's (in camelCase). */
export interface ProducerOptions {
  /**
   * Exactly-once delivery per partition for acks=-1 sends (Kafka's `enable.idempotence`, default
   * true): batches carry a producer id and sequence numbers, so the broker drops a retried batch
   * it already has and refuses one that arrives out of order; up to `maxInFlightRequests` batches
   * per partition may be in flight without ever reordering. Sends with acks 0 or 1 are not stamped.
   */
  idempotent?: boolean;
  /**
   * Picks the partition of every message without an explicit `partition`. By default keyed
   * messages go where Kafka puts them (murmur2 of the key) and messages without a key stick to
   * one partition until its batch is sent, then move to another (Kafka's sticky partitioning,
   * KIP-480), so they fill batches instead of spreading one record per partition. (Kafka's
   * `partitioner.class`; KafkaJS's option of this name.)
   */
  createPartitioner?: PartitionerFactory;
  /**
   * Overrides the client's retry options for this producer (KafkaJS's; Kafka's `retries` and
   * `retry.backoff.ms`): a batch is retried `retries` times at most (default 5), with exponential
   * backoff from `initialRetryTimeMs` (default 300).
   */
  retry?: RetryConfig;
  /** Refresh metadata older than this, in ms (Kafka's `metadata.max.age.ms`). Default 300 000. */
  metadataMaxAgeMs?: number;
  /** KafkaJS's name for `metadataMaxAgeMs`. */
  metadataMaxAge?: number;
  /**
   * Ask brokers to create unknown topics on first use (when the cluster enables
   * `auto.create.topics.enable`, off by default). Default true, as KafkaJS.
   */
  allowAutoTopicCreation?: boolean;
  /**
   * Kafka's `batch.size`: a partition's batch is sent once its records reach this many bytes
   * (estimated before compression), or earlier when `lingerMs` ends. A record larger than this
   * goes in a batch of its own. Default 131 072 (128 KiB), where Kafka's is 16 384: a Quill
   * request costs more than a Kafka one (gRPC, and an fsync on every in-sync replica before an
   * acks=-1 answer), and on a 3-broker cluster 128 KiB batches carried 3 to 5 times more 100-byte
   * records per second than 16 KiB ones. It costs no latency: batches do not wait to fill
   * (`lingerMs` 0); the size only bounds how much a request carries per partition under load.
   */
  batchSize?: number;
  /**
   * Kafka's `linger.ms`: how long a batch that is not full waits for more records before it is
   * sent, in ms. Default 0, as KafkaJS (which does not batch) and Kafka before 4.0: a lone
   * `send` goes at once, and under load batches still fill while earlier requests are in flight.
   * Raise it (Kafka 4.0 uses 5) to trade latency for fewer, larger requests.
   */
  lingerMs?: number;
  /**
   * Kafka's `max.request.size`: a Produce request carries batches up to this many bytes, and a
   * single record larger than this is refused with MESSAGE_TOO_LARGE. Default 1 048 576.
   */
  maxRequestSize?: number;
  /**
   * Kafka's `max.in.flight.requests.per.connection`: Produce requests sent to one broker and not
   * yet answered. Default 5. With idempotence at most 5 (the broker remembers a producer's last 5
   * batches per partition, which is what makes retrying any of them safe); without idempotence,
   * more than 1 may reorder a partition's batches when one is retried, as in Kafka.
   */
  maxInFlightRequests?: number;
  /**
   * Kafka's `buffer.memory`: bytes of records accepted by `send` and not yet acknowledged. When
   * it is full, `send` waits for room (backpressure). Default 33 554 432 (32 MiB).
   */
  maxBufferedBytes?: number;
  /**
   * Kafka's `max.block.ms`: how long `send` waits for room in a full buffer before it rejects
   * with REQUEST_TIMED_OUT, in ms. Default 60 000. (Waiting for a topic's metadata is bounded by
   * `retry`, as in KafkaJS.)
   */
  maxBlockMs?: number;
  /** Compression of sends that do not name one (Kafka's `compression.type`). Default 'none'. */
  compression?: CompressionType;
}
