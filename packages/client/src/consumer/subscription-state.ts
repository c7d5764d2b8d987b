import { QuillStateError } from '../errors.js';
import { topicPartitionKey } from '../cluster/index.js';
import type { OffsetSpec, TopicPartition, TopicPartitionOffset } from './types.js';

/** The fetch state of one assigned partition. */
export interface PartitionState extends TopicPartition {
  /** The next offset to read; undefined while `pendingReset` is being resolved. */
  position: number | undefined;
  /** Resolve the position with ListOffsets before fetching. */
  pendingReset: 'earliest' | 'latest' | undefined;
  paused: boolean;
  /**
   * Bumped by every assign/seek/reset: fetched data is used only if it was fetched for the
   * current version at the current position, so a seek during a fetch drops its answer.
   */
  version: number;
  /** Not fetched before this time (backoff after an error), in ms. */
  retryAtMs: number;
  /** Consecutive fetch failures, for the backoff. */
  failures: number;
}

/** Parses an offset given by the user. Throws a RangeError for anything but a non-negative integer or an end. */
export function parseOffsetSpec(offset: OffsetSpec): number | 'earliest' | 'latest' {
  if (offset === 'earliest' || offset === 'latest') return offset;
  const value = typeof offset === 'string' ? Number(offset) : offset;
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`offset must be a non-negative integer, 'earliest' or 'latest', got ${String(offset)}`);
  }
  return value;
}

/**
 * The partitions a consumer reads and where it stands in each. Assignment comes from
 * `consumer.assign()` without a group, or from the group binding as the group assigns and revokes
 * partitions. The fetcher only reads this state; the consumer advances positions as messages are
 * handled.
 */
export class SubscriptionState {
  private readonly partitions = new Map<string, PartitionState>();
  private readonly listeners = new Set<() => void>();

  /** Replaces the assignment; each partition starts at its given offset (data in flight for it is dropped). */
  assign(assignment: readonly TopicPartitionOffset[]): void {
    const next = new Map<string, PartitionState>();
    for (const { topic, partition, offset } of assignment) {
      const state = this.partitions.get(topicPartitionKey(topic, partition)) ?? newPartitionState(topic, partition);
      setOffset(state, parseOffsetSpec(offset));
      next.set(topicPartitionKey(topic, partition), state);
    }
    this.partitions.clear();
    for (const [key, state] of next) this.partitions.set(key, state);
    this.changed();
  }

  /**
   * Adds partitions to the assignment, each at its offset; partitions already assigned keep
   * their state (a cooperative rebalance adds to what a member reads without touching the rest).
   */
  add(partitions: readonly TopicPartitionOffset[]): void {
    for (const { topic, partition, offset } of partitions) {
      const key = topicPartitionKey(topic, partition);
      if (this.partitions.has(key)) continue;
      const state = newPartitionState(topic, partition);
      setOffset(state, parseOffsetSpec(offset));
      this.partitions.set(key, state);
    }
    this.changed();
  }

  /** Drops partitions from the assignment: data fetched or in flight for them is no longer handed out. */
  remove(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) this.partitions.delete(topicPartitionKey(topic, partition));
    this.changed();
  }

  /** Moves the position of an assigned partition. Throws QuillStateError when it is not assigned. */
  seek(topic: string, partition: number, offset: OffsetSpec): void {
    const state = this.partitions.get(topicPartitionKey(topic, partition));
    if (!state) throw new QuillStateError(`cannot seek ${topic}-${partition}: it is not assigned to this consumer`);
    setOffset(state, parseOffsetSpec(offset));
    this.changed();
  }

  /** Asks for the position to be looked up again (after OFFSET_OUT_OF_RANGE). */
  reset(state: PartitionState, to: 'earliest' | 'latest'): void {
    setOffset(state, to);
    this.changed();
  }

  /** The state of an assigned partition, undefined when it is not assigned. */
  get(topic: string, partition: number): PartitionState | undefined {
    return this.partitions.get(topicPartitionKey(topic, partition));
  }

  /** Every assigned partition's state. */
  all(): IterableIterator<PartitionState> {
    return this.partitions.values();
  }

  /** The assigned partitions. */
  assigned(): TopicPartition[] {
    return [...this.partitions.values()].map(({ topic, partition }) => ({ topic, partition }));
  }

  /** The topics of the assigned partitions, each once. */
  topics(): string[] {
    return [...new Set([...this.partitions.values()].map((p) => p.topic))];
  }

  /** Stops fetching these partitions until `resume`. */
  pause(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const state = this.get(topic, partition);
      if (state) state.paused = true;
    }
    this.changed();
  }

  /** Fetches paused partitions again. */
  resume(partitions: readonly TopicPartition[]): void {
    for (const { topic, partition } of partitions) {
      const state = this.get(topic, partition);
      if (state) state.paused = false;
    }
    this.changed();
  }

  /** Calls `listener` after every change (so a waiting fetcher wakes up). Returns the unsubscribe. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private changed(): void {
    for (const listener of this.listeners) listener();
  }
}

function setOffset(state: PartitionState, offset: number | 'earliest' | 'latest'): void {
  state.version++;
  state.retryAtMs = 0;
  state.failures = 0;
  if (typeof offset === 'number') {
    state.position = offset;
    state.pendingReset = undefined;
  } else {
    state.position = undefined;
    state.pendingReset = offset;
  }
}

function newPartitionState(topic: string, partition: number): PartitionState {
  if (typeof topic !== 'string' || topic === '') throw new RangeError(`invalid topic ${JSON.stringify(topic)}`);
  if (!Number.isInteger(partition) || partition < 0) throw new RangeError(`invalid partition ${partition} of "${topic}"`);
  return { topic, partition, position: undefined, pendingReset: undefined, paused: false, version: 0, retryAtMs: 0, failures: 0 };
}
