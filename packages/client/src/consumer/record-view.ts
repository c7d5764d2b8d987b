import type { Record as BatchRecord } from '@quill/records';
import { abortedBatchFilter } from './aborted-batch-filter.js';
import type { FetchedPartition } from './fetcher.js';
import type { OffsetCommitter } from './offset-committer.js';
import { toReceivedMessage } from './received-message.js';
import type { SubscriptionState } from './subscription-state.js';
import type {
  EachBatchPayload,
  EachMessagePayload,
  ReceivedMessage,
  TopicPartition,
  TopicPartitionOffset,
} from './types.js';

/** One partition's fetched messages as an eachBatch payload, with what follows the handler. */
export interface BatchDelivery {
  payload: EachBatchPayload;
  /** The handler resolved: marks the whole batch processed (eachBatchAutoResolve). */
  resolveAll(): void;
  /** The handler failed: the unresolved rest is delivered again (the position had moved past the whole batch). */
  rewind(): void;
}

/**
 * What the reader sees of fetched data: the messages of one fetch answer at or after each
 * partition's position, handed out as eachMessage/eachBatch payloads, and the position
 * bookkeeping (seek, pause, resume) that decides which fetched data is still current. In a
 * group, processed messages are reported to the offset committer.
 */
export class RecordView {
  constructor(
    private readonly subscriptions: SubscriptionState,
    private readonly committer: OffsetCommitter | undefined,
  ) {}

  /** The next offset to read from a partition, undefined while not known (or not assigned). */
  position(topic: string, partition: number): number | undefined {
    return this.subscriptions.get(topic, partition)?.position;
  }

  /**
   * Moves an assigned partition's position (throws QuillStateError when it is not assigned);
   * in a group a numeric position is also what the next commit stores.
   */
  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    this.subscriptions.seek(topic, partition, offset);
    const position = this.position(topic, partition);
    if (position !== undefined) this.committer?.markProcessed(topic, partition, position);
  }

  pause(partitions: readonly TopicPartition[]): void {
    this.subscriptions.pause(partitions);
  }

  resume(partitions: readonly TopicPartition[]): void {
    this.subscriptions.resume(partitions);
  }

  /** The paused partitions among the assigned ones. */
  paused(): TopicPartition[] {
    return [...this.subscriptions.all()].filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /** A handled message: in a group, the committer may commit `nextOffset` for its partition. */
  markProcessed(topic: string, partition: number, nextOffset: number): void {
    this.committer?.markProcessed(topic, partition, nextOffset);
  }

  /** The eachMessage payload of one message. */
  eachMessagePayload(topic: string, partition: number, message: ReceivedMessage): EachMessagePayload {
    return { topic, partition, message, heartbeat: async () => undefined, pause: () => this.pauseOne(topic, partition) };
  }

  /**
   * The eachBatch payload of one partition's fetched data, undefined when none of it is current.
   * Building it moves the position past the batch.
   */
  batchDelivery(data: FetchedPartition, signal: AbortSignal): BatchDelivery | undefined {
    const { topic, partition } = data;
    const state = this.subscriptions.get(topic, partition);
    const version = state?.version;
    const current = (): boolean => this.subscriptions.get(topic, partition) === state && state?.version === version;
    const messages = [...this.messages(data)];
    if (messages.length === 0) return undefined;
    let resolved: number | undefined;
    const resolveOffset = (offset: number): void => {
      resolved = offset;
      this.markProcessed(topic, partition, offset + 1);
    };
    const last = messages[messages.length - 1]!.offset;
    const committer = this.committer;
    const payload: EachBatchPayload = {
      batch: {
        topic,
        partition,
        highWatermark: data.highWatermark,
        messages,
        isEmpty: () => messages.length === 0,
        firstOffset: () => messages[0]?.offset ?? null,
        lastOffset: () => last,
        offsetLag: () => Math.max(0, data.highWatermark - 1 - last),
      },
      resolveOffset,
      heartbeat: async () => undefined,
      commitOffsetsIfNecessary: () => committer?.autoCommitIfDue() ?? Promise.resolve(),
      uncommittedOffsets: () => committer?.pending() ?? [],
      isRunning: () => !signal.aborted,
      isStale: () => !current(),
      pause: () => this.pauseOne(topic, partition),
    };
    return {
      payload,
      resolveAll: () => resolveOffset(last),
      rewind: () => {
        if (current()) this.subscriptions.seek(topic, partition, resolved === undefined ? messages[0]!.offset : resolved + 1);
      },
    };
  }

  /**
   * The messages of one fetch answer at or after the partition's position, skipping control
   * batches and aborted transactions. The position moves past a message when the next one is
   * asked for (after its handler resolved), and past a whole batch once it is done; a seek or
   * revoke meanwhile ends the iteration, and data fetched for an older position yields nothing.
   */
  *messages(data: FetchedPartition): Generator<ReceivedMessage, void, undefined> {
    for (const record of this.records(data)) yield toReceivedMessage(record);
  }

  /** The records behind `messages`, for readers that build their own message objects. */
  *records(data: FetchedPartition): Generator<BatchRecord, void, undefined> {
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
          yield record;
          if (!current()) return;
          state.position = record.offset + 1;
        }
      }
      if (!current()) return;
      state.position = Math.max(state.position!, batch.header.lastOffset + 1);
    }
  }

  /** The payloads' `pause()`: pauses one partition, returns the function that resumes it. */
  private pauseOne(topic: string, partition: number): () => void {
    this.pause([{ topic, partition }]);
    return () => this.resume([{ topic, partition }]);
  }
}
