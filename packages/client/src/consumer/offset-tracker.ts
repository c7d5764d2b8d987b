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
  /** Partitions whose processed offset differs from their committed one (what `pending()` returns), kept so the check is cheap. */
  private readonly uncommitted = new Set<string>();
  private processedSinceCommit = 0;

  /** A message was processed: `nextOffset` is its offset + 1. */
  markProcessed(topic: string, partition: number, nextOffset: number): void {
    const key = topicPartitionKey(topic, partition);
    this.processed.set(key, { topic, partition, offset: nextOffset });
    this.processedSinceCommit++;
    this.updateUncommitted(key);
  }

  /** Offsets known to be committed (from OffsetFetch or after a successful commit). */
  markCommitted(offsets: readonly TopicPartitionCommit[]): void {
    for (const { topic, partition, offset } of offsets) {
      const key = topicPartitionKey(topic, partition);
      this.committed.set(key, offset);
      this.updateUncommitted(key);
    }
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

  /**
   * Messages processed since the last commit, for autoCommitThreshold only: a commit of some
   * partitions, or one that ends after more messages were processed, restarts it while
   * offsets are still uncommitted (`hasUncommitted` tells).
   */
  get uncommittedCount(): number {
    return this.processedSinceCommit;
  }

  /** True while some partition's processed offset is not committed. */
  get hasUncommitted(): boolean {
    return this.uncommitted.size > 0;
  }

  /** Forgets partitions that are no longer this consumer's. */
  forget(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const key = topicPartitionKey(topic, partition);
      this.processed.delete(key);
      this.committed.delete(key);
      this.uncommitted.delete(key);
    }
  }

  /** Forgets everything (on disconnect). */
  clear(): void {
    this.processed.clear();
    this.committed.clear();
    this.uncommitted.clear();
    this.processedSinceCommit = 0;
  }

  private updateUncommitted(key: string): void {
    const processed = this.processed.get(key);
    if (processed !== undefined && this.committed.get(key) !== processed.offset) this.uncommitted.add(key);
    else this.uncommitted.delete(key);
  }
}
