import type { RetryOptions } from '../retry/index.js';

/**
 * Where to start reading a partition: an offset (a number, or a numeric string as KafkaJS
 * takes it), or 'earliest' / 'latest' (the log start, or the end: only new messages).
 */
export type OffsetSpec = number | `${number}` | 'earliest' | 'latest';

/** What to do when the position is not in the log (OFFSET_OUT_OF_RANGE): jump to an end, or fail. */
export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

/** A partition of a topic. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A partition and where to read it from. */
export interface TopicPartitionOffset extends TopicPartition {
  offset: OffsetSpec;
}

/** Record headers as received: a header sent several times comes as an array, in order. */
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
}

/** Handles one message; the consumer moves past it once the promise resolves. */
export type EachMessageHandler = (payload: EachMessagePayload) => Promise<void>;

/** The argument of `consumer.run`. */
export interface ConsumerRunConfig {
  eachMessage: EachMessageHandler;
}

/** Options of `quill.consumer(...)`. Names and defaults as KafkaJS. */
export interface ConsumerOptions {
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
  retry?: Partial<RetryOptions>;
  /** Refresh metadata older than this, in ms. Default 300 000. */
  metadataMaxAgeMs?: number;
}

/** Events a consumer emits, by name, with their payloads. */
export interface ConsumerEvents {
  /** The consumer stopped on an error it cannot recover from (a handler that keeps failing, a non-retriable fetch error). */
  'consumer.crash': { error: Error };
}

/** Names of consumer events (KafkaJS's `consumer.events`). */
export const ConsumerEventNames = {
  CRASH: 'consumer.crash',
} as const satisfies Record<string, keyof ConsumerEvents>;
