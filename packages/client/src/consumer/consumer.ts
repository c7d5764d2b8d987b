import { EventEmitter } from 'node:events';
import type { DecodedBatch, Record as BatchRecord } from '@quill/records';
import { topicPartitionKey } from '../cluster/index.js';
import { ClusterSession } from '../cluster/cluster-session.js';
import type { ClientContext } from '../context.js';
import { QuillStateError } from '../errors.js';
import { backoffDelay } from '../retry/index.js';
import { Fetcher, type FetchedPartition, type FetcherOptions } from './fetcher.js';
import { SubscriptionState } from './subscription-state.js';
import {
  ConsumerEventNames,
  type ConsumedMessage,
  type ConsumerEvents,
  type ConsumerRunConfig,
  type ReceivedHeaders,
  type ReceivedMessage,
  type TopicPartition,
  type TopicPartitionOffset,
} from './types.js';

interface Reader {
  kind: 'run' | 'iterator';
  signal: AbortSignal;
}

/** Control record type of an abort marker (the key is int16 version, int16 type). */
const CONTROL_TYPE_ABORT = 0;

/**
 * Reads partitions. This minimal consumer reads the partitions it is assigned, from the offsets
 * given; consumer groups (subscribe, commits, rebalancing) come on top of the same fetch loop.
 *
 * @example
 * const consumer = quill.consumer();
 * await consumer.connect();
 * consumer.assign([{ topic: 'orders', partition: 0, offset: 'earliest' }]);
 * await consumer.run({ eachMessage: async ({ message }) => handle(message.value) });
 * // ... later
 * await consumer.disconnect();
 */
export class Consumer {
  /** Event names, for `on` (KafkaJS's `consumer.events`). */
  readonly events = ConsumerEventNames;
  private readonly context: ClientContext;
  private readonly subscriptions = new SubscriptionState();
  private readonly fetcher: Fetcher;
  private readonly emitter = new EventEmitter();
  private readonly session: ClusterSession;
  /** Set while run() or messages() reads; one reader at a time. */
  private reader: Reader | undefined;
  private runLoop: Promise<void> | undefined;

  /** @internal Use `quill.consumer()`. */
  constructor(context: ClientContext, options: FetcherOptions) {
    this.context = context;
    this.session = new ClusterSession(context, 'consumer');
    this.fetcher = new Fetcher(context, this.subscriptions, options);
  }

  /** Connects to the cluster (bootstraps metadata). Retries with backoff; rejects when retries run out. */
  async connect(): Promise<void> {
    await this.session.connect();
  }

  /**
   * Stops reading: cancels fetches in flight, waits for a running `eachMessage` to finish, ends
   * `messages()` iterators, and closes every connection. Positions are kept, so the consumer may
   * connect and run again.
   */
  async disconnect(): Promise<void> {
    await this.session.disconnect(async () => {
      await this.runLoop;
      // An iterator parked at a yield ends on its next call; it no longer blocks a new reader.
      this.reader = undefined;
      this.fetcher.reset();
    });
  }

  /**
   * Reads exactly these partitions from now on, each from its offset: a number, or 'earliest' /
   * 'latest' (looked up with ListOffsets). Replaces any earlier assignment.
   */
  assign(partitions: readonly TopicPartitionOffset[]): void {
    this.subscriptions.assign(partitions);
    this.context.logger.debug({ partitions: partitions.map((p) => `${p.topic}-${p.partition}@${p.offset}`) }, 'assigned');
  }

  /** The partitions assigned to this consumer. */
  assignment(): TopicPartition[] {
    return this.subscriptions.assigned();
  }

  /**
   * Moves an assigned partition's position: the next message handed out is the one at `offset`
   * (or the first at or after it). Data already fetched for the old position is dropped.
   * Throws QuillStateError when the partition is not assigned.
   */
  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    this.subscriptions.seek(topic, partition, offset);
  }

  /** The next offset this consumer will read from a partition, or undefined while not yet known. */
  position(topic: string, partition: number): number | undefined {
    return this.subscriptions.get(topic, partition)?.position;
  }

  /** Stops fetching these partitions (data already fetched is still handed out). */
  pause(partitions: readonly TopicPartition[]): void {
    this.subscriptions.pause(partitions);
  }

  /** Fetches paused partitions again. */
  resume(partitions: readonly TopicPartition[]): void {
    this.subscriptions.resume(partitions);
  }

  /**
   * Listens to a consumer event. Returns a function that removes the listener.
   *
   * @example
   * consumer.on(consumer.events.CRASH, ({ error }) => logger.error(error));
   */
  on<E extends keyof ConsumerEvents>(event: E, listener: (payload: ConsumerEvents[E]) => void): () => void {
    this.emitter.on(event, listener);
    return () => this.emitter.off(event, listener);
  }

  /**
   * Starts handing messages to `eachMessage`, one at a time per consumer, in offset order per
   * partition, and resolves once the loop is started. A message counts as consumed when its
   * handler resolves; a handler that throws gets the same message again after a backoff, and
   * after `retry.retries` failures in a row the consumer stops and emits `consumer.crash`.
   */
  async run(config: ConsumerRunConfig): Promise<void> {
    const reader = this.claimReader('run');
    this.runLoop = this.loop(config, reader.signal)
      .catch((error: unknown) => this.context.logger.error({ err: errorMessage(error) }, 'consumer loop failed'))
      .finally(() => {
        this.releaseReader(reader);
        this.runLoop = undefined;
      });
  }

  /**
   * The messages of the assigned partitions as an async iterator, an alternative to `run`. A
   * message counts as consumed when the next one is asked for, so leaving the loop early means
   * the last message is delivered again by the next iterator. Ends on `disconnect()`; throws a
   * non-retriable error (for example OFFSET_OUT_OF_RANGE with autoOffsetReset 'none').
   *
   * @example
   * for await (const message of consumer.messages()) await handle(message.offset, message.value);
   */
  messages(): AsyncIterableIterator<ConsumedMessage> {
    return this.iterate(this.claimReader('iterator'));
  }

  /** Same as `messages()`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<ConsumedMessage> {
    return this.messages();
  }

  private claimReader(kind: Reader['kind']): Reader {
    const signal = this.session.signal();
    if (this.reader) throw new QuillStateError(`the consumer is already reading (${this.reader.kind}); one reader at a time`);
    const reader: Reader = { kind, signal };
    this.reader = reader;
    return reader;
  }

  private releaseReader(reader: Reader): void {
    if (this.reader === reader) this.reader = undefined;
  }

  private async *iterate(reader: Reader): AsyncGenerator<ConsumedMessage, void, undefined> {
    const { signal } = reader;
    try {
      for (;;) {
        let fetched: FetchedPartition[];
        try {
          fetched = await this.fetcher.poll(signal);
        } catch (error) {
          if (signal.aborted) return;
          throw error;
        }
        for (const data of fetched) {
          for (const message of this.partitionMessages(data)) {
            yield { ...message, topic: data.topic, partition: data.partition };
            if (signal.aborted) return;
          }
        }
      }
    } finally {
      this.releaseReader(reader);
    }
  }

  private async loop(config: ConsumerRunConfig, signal: AbortSignal): Promise<void> {
    const { logger } = this.context;
    // Consecutive handler failures per partition (topic-partition key).
    const handlerFailures = new Map<string, number>();
    while (!signal.aborted) {
      let fetched: FetchedPartition[];
      try {
        fetched = await this.fetcher.poll(signal);
      } catch (error) {
        if (!signal.aborted) this.crash(error);
        return;
      }
      for (const data of fetched) {
        const { topic, partition } = data;
        const key = topicPartitionKey(topic, partition);
        try {
          for (const message of this.partitionMessages(data)) {
            if (signal.aborted) return;
            await config.eachMessage({ topic, partition, message });
          }
          handlerFailures.delete(key);
        } catch (error) {
          const failures = handlerFailures.get(key) ?? 0;
          if (failures >= this.context.retry.retries) {
            this.crash(error);
            return;
          }
          handlerFailures.set(key, failures + 1);
          const delayMs = backoffDelay(this.context.retry, failures, this.context.random);
          logger.error(
            { topic, partition, position: this.position(topic, partition), err: errorMessage(error), delayMs },
            'eachMessage failed, the message will be delivered again',
          );
          try {
            await this.context.sleep(delayMs, signal);
          } catch {
            return;
          }
        }
      }
    }
  }

  private crash(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    this.context.logger.error({ err: failure.message }, 'consumer crashed');
    try {
      this.emitter.emit(ConsumerEventNames.CRASH, { error: failure } satisfies ConsumerEvents['consumer.crash']);
    } catch (listenerError) {
      this.context.logger.error({ err: errorMessage(listenerError) }, 'a consumer.crash listener threw');
    }
  }

  /**
   * The messages of one fetch answer at or after the partition's position, skipping control
   * batches and aborted transactions. The position moves past a message when the next one is
   * asked for (after its handler resolved), and past a whole batch once it is done; a seek
   * meanwhile ends the iteration, and data fetched for an older position yields nothing.
   */
  private *partitionMessages(data: FetchedPartition): Generator<ReceivedMessage, void, undefined> {
    const state = this.subscriptions.get(data.topic, data.partition);
    const version = data.version;
    const current = (): boolean =>
      state !== undefined && this.subscriptions.get(data.topic, data.partition) === state && state.version === version;
    if (!state || !current() || state.position !== data.fetchOffset) return;
    const skip = abortedBatchFilter(data);
    for (const batch of data.batches) {
      if (!skip(batch)) {
        for (const record of batch.records) {
          if (record.offset < state.position!) continue;
          yield toReceivedMessage(record);
          if (!current()) return;
          state.position = record.offset + 1;
        }
      }
      if (!current()) return;
      state.position = Math.max(state.position!, batch.header.lastOffset + 1);
    }
  }
}

/**
 * Kafka's read_committed filter: control batches are never handed out, and a transactional
 * batch is skipped when its producer's transaction is listed as aborted from an offset at or
 * before it, until that producer's abort marker.
 */
function abortedBatchFilter(data: FetchedPartition): (batch: DecodedBatch) => boolean {
  const aborted = [...data.abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedProducers = new Set<number>();
  let next = 0;
  return (batch) => {
    const { header } = batch;
    while (next < aborted.length && aborted[next]!.firstOffset <= header.lastOffset) {
      abortedProducers.add(aborted[next++]!.producerId);
    }
    if (header.isControl) {
      const key = batch.records[0]?.key;
      if (key && key.length >= 4 && key.readInt16BE(2) === CONTROL_TYPE_ABORT) abortedProducers.delete(header.producerId);
      return true;
    }
    return header.isTransactional && abortedProducers.has(header.producerId);
  };
}

function toReceivedMessage(record: BatchRecord): ReceivedMessage {
  const headers: ReceivedHeaders = {};
  for (const { key, value } of record.headers) {
    const existing = headers[key];
    if (existing === undefined) headers[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[key] = [existing, value];
  }
  return { offset: record.offset, key: record.key, value: record.value, headers, timestamp: record.timestamp };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

