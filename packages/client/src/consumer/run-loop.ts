import { errorMessage } from '@quill/proto';
import { topicPartitionKey } from '../cluster/index.js';
import type { ClientContext } from '../context.js';
import { backoffDelay } from '../retry/index.js';
import type { FetchedPartition, Fetcher } from './fetcher.js';
import type { HandlersInFlight } from './handlers-in-flight.js';
import type { OffsetCommitter } from './offset-committer.js';
import type { Reader } from './reader.js';
import type { RecordView } from './record-view.js';
import type { ConsumerRunConfig } from './types.js';

/** What the run loop works with. */
export interface RunLoopParts {
  context: ClientContext;
  fetcher: Fetcher;
  view: RecordView;
  inFlight: HandlersInFlight;
  /** Present in a group. */
  committer: OffsetCommitter | undefined;
  /** Stops the consumer on an error it cannot get past. */
  crash(error: unknown): void;
}

/**
 * `consumer.run()`'s loop: fetches, hands each partition's data to eachMessage or eachBatch
 * (up to `concurrency` partitions at once, in offset order within each), retries a failing
 * handler after a backoff and crashes the consumer after `retry.retries` failures in a row.
 */
export class RunLoop {
  /** Consecutive handler failures per partition (topic-partition key). */
  private readonly failures = new Map<string, number>();

  constructor(
    private readonly parts: RunLoopParts,
    private readonly config: ConsumerRunConfig,
    private readonly concurrency: number,
    private readonly reader: Reader,
  ) {}

  /** Runs until the reader stops (disconnect or crash). */
  async run(): Promise<void> {
    const { fetcher, inFlight, committer, crash } = this.parts;
    const { signal } = this.reader;
    while (!signal.aborted) {
      let fetched: FetchedPartition[];
      try {
        fetched = await fetcher.poll(signal);
      } catch (error) {
        if (!signal.aborted) crash(error);
        return;
      }
      const queue = [...fetched];
      const worker = async (): Promise<void> => {
        for (let data = queue.shift(); data && !signal.aborted; data = queue.shift()) {
          await inFlight.track(topicPartitionKey(data.topic, data.partition), this.handlePartition(data));
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
      await committer?.autoCommitIfDue();
    }
  }

  /** Hands one partition's fetched data to the handler; a failure is retried after a backoff, then crashes. */
  private async handlePartition(data: FetchedPartition): Promise<void> {
    const { context, view, crash } = this.parts;
    const { topic, partition } = data;
    const key = topicPartitionKey(topic, partition);
    const { signal } = this.reader;
    try {
      if (this.config.eachBatch) await this.handleBatch(data, key);
      else {
        const eachMessage = this.config.eachMessage!;
        for (const message of view.messages(data)) {
          if (signal.aborted) return;
          await this.parts.inFlight.timed(key, () => eachMessage(view.eachMessagePayload(topic, partition, message)));
          view.markProcessed(topic, partition, message.offset + 1);
        }
      }
      this.failures.delete(key);
    } catch (error) {
      const count = this.failures.get(key) ?? 0;
      if (count >= context.retry.retries) {
        crash(error);
        this.reader.stop.abort();
        return;
      }
      this.failures.set(key, count + 1);
      const delayMs = backoffDelay(context.retry, count, context.random);
      context.logger.error(
        { topic, partition, position: view.position(topic, partition), err: errorMessage(error), delayMs },
        'handler failed, the message will be delivered again',
      );
      await context.sleep(delayMs, signal).catch(() => undefined);
    }
  }

  private async handleBatch(data: FetchedPartition, key: string): Promise<void> {
    const delivery = this.parts.view.batchDelivery(data, this.reader.signal);
    if (!delivery) return;
    const eachBatch = this.config.eachBatch!;
    try {
      await this.parts.inFlight.timed(key, () => eachBatch(delivery.payload));
    } catch (error) {
      delivery.rewind();
      throw error;
    }
    if (this.config.eachBatchAutoResolve ?? true) delivery.resolveAll();
  }
}
