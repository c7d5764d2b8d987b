import { topicPartitionKey } from '../cluster/index.js';
import type { TopicPartitionCommit } from '../group/types.js';
import type { TopicPartition } from './types.js';

/**
 * What a group consumer has processed and what it has committed, per partition. Offsets
 * here are "next to consume" (last processed + 1), as Kafka commits them. Pure bookkeeping.
 */
export class OffsetTracker {
  private readonly processed = new Map<string, TopicPartitionCommit>();
  private readonly committed = new Map<string, number>();
  private processedSinceCommit = 0;

  /** A message was processed: `nextOffset` is its offset + 1. */
  markProcessed(topic: string, partition: number, nextOffset: number): void {
    this.processed.set(topicPartitionKey(topic, partition), { topic, partition, offset: nextOffset });
    this.processedSinceCommit++;
  }

  /** Offsets known to be committed (from OffsetFetch or after a successful commit). */
  markCommitted(offsets: readonly TopicPartitionCommit[]): void {
    for (const { topic, partition, offset } of offsets) this.committed.set(topicPartitionKey(topic, partition), offset);
  }

  /** A commit went through: the processed count restarts for autoCommitThreshold. */
  commitDone(): void {
    this.processedSinceCommit = 0;
  }

  /** Processed offsets not committed yet, of `partitions` (or of every partition). */
  pending(partitions?: readonly TopicPartition[]): TopicPartitionCommit[] {
    const wanted = partitions ? new Set(partitions.map((p) => topicPartitionKey(p.topic, p.partition))) : undefined;
    return [...this.processed]
      .filter(([key, p]) => (wanted === undefined || wanted.has(key)) && this.committed.get(key) !== p.offset)
      .map(([, p]) => ({ ...p }));
  }

  /** Messages processed since the last commit. */
  get uncommittedCount(): number {
    return this.processedSinceCommit;
  }

  /** Forgets partitions that are no longer this consumer's. */
  forget(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const key = topicPartitionKey(topic, partition);
      this.processed.delete(key);
      this.committed.delete(key);
    }
  }

  /** Forgets everything (on disconnect). */
  clear(): void {
    this.processed.clear();
    this.committed.clear();
    this.processedSinceCommit = 0;
  }
}
