import { topicPartitionKey } from '../cluster/index.js';
import type { TopicPartition } from './types.js';

/**
 * The handlers running now, per partition: the handling of each partition's fetched data (so a
 * revoke can wait for it) and when the handler of its current message or batch started (for
 * maxPollIntervalMs). Keys are topic-partition keys.
 */
export class HandlersInFlight {
  private readonly handling = new Map<string, Promise<void>>();
  private readonly startedAtMs = new Map<string, number>();

  constructor(private readonly now: () => number) {}

  /** Runs the handling of one partition's fetched data, known to `settled` until it ends. */
  async track(key: string, task: Promise<void>): Promise<void> {
    this.handling.set(key, task);
    try {
      await task;
    } finally {
      if (this.handling.get(key) === task) this.handling.delete(key);
    }
  }

  /** Resolves once the handling in progress for these partitions has ended. */
  async settled(partitions: readonly TopicPartition[]): Promise<void> {
    await Promise.all(partitions.map((p) => this.handling.get(topicPartitionKey(p.topic, p.partition))));
  }

  /** Runs one handler call, timed for `overdue`. */
  async timed(key: string, handler: () => Promise<void>): Promise<void> {
    this.started(key);
    try {
      await handler();
    } finally {
      this.finished(key);
    }
  }

  /** A handler of the partition took a message (for readers that hand messages out themselves). */
  started(key: string): void {
    this.startedAtMs.set(key, this.now());
  }

  finished(key: string): void {
    this.startedAtMs.delete(key);
  }

  /** True while some handler has held its message or batch for longer than `maxMs`. */
  overdue(maxMs: number): boolean {
    const now = this.now();
    for (const startedAt of this.startedAtMs.values()) if (now - startedAt > maxMs) return true;
    return false;
  }
}
