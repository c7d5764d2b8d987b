import { ErrorCode, QuillError } from '@quill/proto';
import type { RecordInput } from '@quill/records';
import { ClusterSession } from '../cluster/cluster-session.js';
import type { PartitionMetadata } from '../cluster/index.js';
import { retryContext, type ClientContext } from '../context.js';
import { checkOptions } from '../options/index.js';
import { SEND_BATCH_OPTIONS, SEND_OPTIONS } from './send-options.js';
import { isStaleMetadataError, retry } from '../retry/index.js';
import { RecordAccumulator } from './accumulator.js';
import { Delivery } from './delivery.js';
import { ProducerIdentityHolder } from './idempotence.js';
import { toRecordInput, validateSend } from './messages.js';
import { partitionForKey } from '@quill/records';
import { BATCH_HEADER_BYTES, estimateRecordBytes, type BatchDraft, type BatchSettings } from './record-batch-draft.js';
import { Sender } from './sender.js';
import { StickyPartitions } from './sticky-partitioner.js';
import type { CompressionType, Message, Partitioner, ProducerBatch, ProducerRecord, RecordMetadata, TopicMessages } from './types.js';

const DEFAULT_ACKS = -1;
const DEFAULT_TIMEOUT_MS = 30_000;

/** The broker remembers a producer's last 5 batches per partition: more in flight could not be retried safely. */
export const IDEMPOTENT_MAX_IN_FLIGHT = 5;

/** Producer settings with defaults applied (see ProducerOptions for each one's meaning and default). */
export interface ProducerSettings {
  idempotent: boolean;
  /** Undefined: the default (murmur2 for keys, sticky for null keys). */
  partitioner: Partitioner | undefined;
  batchSize: number;
  lingerMs: number;
  maxRequestSize: number;
  maxInFlightRequests: number;
  maxBufferedBytes: number;
  maxBlockMs: number;
  compression: CompressionType;
}

/**
 * Kafka's defaults (max.request.size, max.in.flight..., buffer.memory, max.block.ms), linger as
 * KafkaJS, and a batch size 8 times Kafka's (measured to pay here: see ProducerOptions.batchSize).
 */
export const DEFAULT_PRODUCER_SETTINGS = {
  batchSize: 131_072,
  lingerMs: 0,
  maxRequestSize: 1_048_576,
  maxInFlightRequests: 5,
  maxBufferedBytes: 32 * 1024 * 1024,
  maxBlockMs: 60_000,
  compression: 'none',
} as const satisfies Partial<ProducerSettings>;

interface RoomWaiter {
  bytes: number;
  resolve: () => void;
}

/**
 * Writes messages to topics. Get one from `quill.producer()`, `connect()` it, `send()`, and
 * `disconnect()` when done.
 *
 * Messages are batched per partition (up to `batchSize`, waiting at most `lingerMs`) and the
 * batches of all partitions a broker leads travel in one request; `send` resolves once the
 * brokers acknowledged its messages as `acks` asks.
 *
 * @example
 * const producer = quill.producer();
 * await producer.connect();
 * await producer.send({ topic: 'orders', messages: [{ key: 'order-1', value: JSON.stringify(order) }] });
 * await producer.disconnect();
 */
export class Producer {
  private readonly context: ClientContext;
  private readonly settings: ProducerSettings;
  private readonly session: ClusterSession;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  private readonly sticky: StickyPartitions;
  /** Sends append one after the other, in call order, so a partition's records keep the order of the calls. */
  private appendTail: Promise<void> = Promise.resolve();
  private bufferedBytes = 0;
  private roomWaiter: RoomWaiter | undefined;

  /** @internal Use `quill.producer()`. */
  constructor(context: ClientContext, settings: ProducerSettings) {
    validateSettings(settings);
    this.context = context;
    this.settings = settings;
    this.session = new ClusterSession(context, 'producer');
    this.accumulator = new RecordAccumulator({ batchSizeBytes: settings.batchSize, lingerMs: settings.lingerMs });
    this.sticky = new StickyPartitions(context.random);
    this.sender = new Sender(context, this.accumulator, {
      maxInFlightRequests: settings.maxInFlightRequests,
      maxRequestSize: settings.maxRequestSize,
      identity: settings.idempotent ? new ProducerIdentityHolder(context) : undefined,
      onBatchDone: (draft) => this.releaseRoom(draft),
    });
  }

  /** Connects to the cluster (bootstraps metadata). Retries with backoff; rejects when retries run out. */
  async connect(): Promise<void> {
    await this.session.connect();
    this.sender.start(this.session.signal());
  }

  /**
   * Sends what is buffered and waits for it to be acknowledged (or to fail), then closes every
   * connection. The producer may connect again later.
   */
  async disconnect(): Promise<void> {
    // Drain first, over the live connections: the session aborts what is still in flight.
    await this.flush();
    await this.session.disconnect();
    this.sender.stop();
  }

  /** Sends every buffered message now, without lingering, and resolves once all of them are acknowledged or failed. */
  async flush(): Promise<void> {
    await this.appendTail;
    this.sender.urge();
    try {
      await this.sender.idle();
    } finally {
      this.sender.release();
    }
  }

  /**
   * Sends messages to one topic and resolves once the brokers acknowledged them as `acks` asks
   * (default -1: every in-sync replica). Batches failing with a retriable error are retried
   * with backoff; a non-retriable error, or one that outlasts the retries, rejects with a
   * QuillError (`code`, `retriable`, `message`). When the buffer is full (`maxBufferedBytes`)
   * the call waits for room, at most `maxBlockMs`.
   *
   * @returns One entry per partition written to, with the offset of its first message.
   */
  async send(given: ProducerRecord): Promise<RecordMetadata[]> {
    const { topic, messages, ...options } = checkOptions(SEND_OPTIONS, given);
    return this.sendBatch({ ...options, topicMessages: [{ topic, messages }] });
  }

  /** Like `send`, for several topics at once. */
  async sendBatch(given: ProducerBatch): Promise<RecordMetadata[]> {
    const batch = checkOptions(SEND_BATCH_OPTIONS, given);
    const signal = this.session.signal();
    const settings: BatchSettings = {
      acks: batch.acks ?? DEFAULT_ACKS,
      timeoutMs: batch.timeout ?? DEFAULT_TIMEOUT_MS,
      compression: batch.compression ?? this.settings.compression,
    };
    validateSend(settings.acks, settings.timeoutMs, batch.topicMessages);
    const delivery = new Delivery();
    this.appendTail = this.appendTail.then(() =>
      this.append(batch.topicMessages, settings, delivery, signal).catch((error: unknown) => delivery.failed(error as Error)),
    );
    return delivery.promise;
  }

  /** Puts every message of one send into the accumulator, waiting for metadata or buffer room when needed. */
  private async append(topicMessages: readonly TopicMessages[], settings: BatchSettings, delivery: Delivery, signal: AbortSignal): Promise<void> {
    await this.awaitMetadata(topicMessages, signal);
    const { cluster } = this.context;
    const now = this.context.now();
    for (const { topic, messages } of topicMessages) {
      const partitions = cluster.partitionsFor(topic);
      for (const message of messages) {
        const record = toRecordInput(message, now);
        const recordBytes = estimateRecordBytes(record);
        if (recordBytes + BATCH_HEADER_BYTES > this.settings.maxRequestSize || recordBytes > this.settings.maxBufferedBytes) {
          throw new QuillError(
            ErrorCode.MESSAGE_TOO_LARGE,
            `a message of about ${recordBytes} bytes for topic "${topic}" exceeds maxRequestSize (${this.settings.maxRequestSize}) or maxBufferedBytes (${this.settings.maxBufferedBytes})`,
          );
        }
        if (this.bufferedBytes + recordBytes > this.settings.maxBufferedBytes) await this.waitForRoom(recordBytes, signal);
        const batch = this.appendRecord(topic, partitions, message, record, recordBytes, settings, now);
        this.bufferedBytes += recordBytes;
        if (delivery.add(batch, batch.builder.recordCount - 1)) this.sender.track(batch, delivery);
      }
    }
    delivery.seal();
    this.sender.schedule();
  }

  /** Makes sure every topic (and every explicit partition) is in metadata, retrying while it is not (a new topic). */
  private async awaitMetadata(topicMessages: readonly TopicMessages[], signal: AbortSignal): Promise<void> {
    const { cluster, logger } = this.context;
    const topics = [...new Set(topicMessages.map((t) => t.topic))];
    const check = (): void => {
      for (const { topic, messages } of topicMessages) {
        const count = cluster.partitionsFor(topic).length;
        for (const message of messages) {
          if (message.partition !== undefined && message.partition >= count) {
            throw new QuillError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" has no partition ${message.partition} (it has ${count})`);
          }
        }
      }
    };
    if (!cluster.isStale()) {
      try {
        check();
        return;
      } catch {
        // Not known yet: ask for it below.
      }
    }
    await retry(
      async () => {
        await cluster.addTargetTopics(topics);
        await cluster.refreshMetadataIfNecessary();
        check();
      },
      this.context.retry,
      retryContext(this.context, signal, ({ error, retryCount, delayMs }) => {
        if (isStaleMetadataError(error)) cluster.markStale(error.code);
        logger.warn({ err: error.message, code: error.code, retryCount, delayMs }, 'metadata for a send is not available, retrying');
      }),
    );
  }

  /**
   * Explicit partition first; then a custom partitioner; else murmur2 of the key; a null key goes
   * to the sticky partition, or to the next one when the sticky partition's batch is closed.
   */
  private appendRecord(
    topic: string,
    partitions: readonly PartitionMetadata[],
    message: Message,
    record: RecordInput,
    recordBytes: number,
    settings: BatchSettings,
    now: number,
  ): BatchDraft {
    // No closure here: this runs once per record (and tsx wraps every closure it creates).
    let partition: number;
    if (message.partition !== undefined) partition = message.partition;
    else if (this.settings.partitioner !== undefined) {
      partition = this.settings.partitioner({ topic, partitionMetadata: partitions, message });
      if (!partitions.some((p) => p.partitionId === partition)) {
        throw new QuillError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `the partitioner chose partition ${partition} of topic "${topic}", which has ${partitions.length}`);
      }
    } else if (message.key !== null && message.key !== undefined) partition = partitionForKey(message.key, partitions.length);
    else {
      const sticky = this.sticky.partition(topic, partitions);
      const appended = this.accumulator.append(topic, sticky, record, recordBytes, settings, now, true);
      if (appended !== undefined) return appended;
      partition = this.sticky.next(topic, partitions, sticky);
    }
    return this.accumulator.append(topic, partition, record, recordBytes, settings, now);
  }

  private async waitForRoom(bytes: number, signal: AbortSignal): Promise<void> {
    const { maxBlockMs, maxBufferedBytes } = this.settings;
    this.sender.urge();
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          this.roomWaiter = undefined;
          signal.removeEventListener('abort', onAbort);
          reject(
            new QuillError(
              ErrorCode.REQUEST_TIMED_OUT,
              `the producer's buffer stayed full (maxBufferedBytes ${maxBufferedBytes}) for maxBlockMs ${maxBlockMs} ms: the brokers do not take records as fast as they are sent`,
            ),
          );
        }, maxBlockMs);
        const onAbort = (): void => {
          clearTimeout(timer);
          this.roomWaiter = undefined;
          reject(signal.reason as Error);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.roomWaiter = {
          bytes,
          resolve: () => {
            clearTimeout(timer);
            signal.removeEventListener('abort', onAbort);
            resolve();
          },
        };
      });
    } finally {
      this.sender.release();
    }
  }

  private releaseRoom(draft: BatchDraft): void {
    this.bufferedBytes -= draft.estimatedBytes - BATCH_HEADER_BYTES;
    const waiter = this.roomWaiter;
    if (waiter !== undefined && this.bufferedBytes + waiter.bytes <= this.settings.maxBufferedBytes) {
      this.roomWaiter = undefined;
      waiter.resolve();
    }
  }
}

function validateSettings(settings: ProducerSettings): void {
  const positive: Array<keyof ProducerSettings> = ['batchSize', 'maxRequestSize', 'maxInFlightRequests', 'maxBufferedBytes'];
  for (const name of positive) {
    const value = settings[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      throw new QuillError(ErrorCode.INVALID_CONFIG, `producer option ${name} must be a positive integer, got ${String(value)}`);
    }
  }
  for (const name of ['lingerMs', 'maxBlockMs'] as const) {
    const value = settings[name];
    if (!Number.isInteger(value) || value < 0) {
      throw new QuillError(ErrorCode.INVALID_CONFIG, `producer option ${name} must be a non-negative integer (ms), got ${String(value)}`);
    }
  }
  if (settings.idempotent && settings.maxInFlightRequests > IDEMPOTENT_MAX_IN_FLIGHT) {
    throw new QuillError(
      ErrorCode.INVALID_CONFIG,
      `an idempotent producer allows at most ${IDEMPOTENT_MAX_IN_FLIGHT} maxInFlightRequests (got ${settings.maxInFlightRequests}): set idempotent: false for more`,
    );
  }
}
