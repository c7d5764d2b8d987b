import { errorMessage } from '@quill/proto';
import { topicPartitionKey } from '../cluster/index.js';
import type { ClientContext } from '../context.js';
import { QuillStateError } from '../errors.js';
import type { GroupMember } from '../group/group-member.js';
import type { TopicPartitionCommit } from '../group/types.js';
import type { ConsumerEventBus } from './consumer-event-bus.js';
import { OffsetTracker } from './offset-tracker.js';
import type { SubscriptionState } from './subscription-state.js';
import { ConsumerEventNames, type ConsumerRunConfig, type TopicPartition, type TopicPartitionOffsetCommit } from './types.js';

/** Kafka's auto.commit.interval.ms. */
const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5_000;

/** Auto-commit settings of the current reader. */
export interface CommitPolicy {
  autoCommit: boolean;
  intervalMs: number;
  threshold: number | undefined;
}

/** The auto-commit settings of `run()` (or the defaults, `{}`); throws a RangeError for invalid ones. */
export function commitPolicy(
  config: Pick<ConsumerRunConfig, 'autoCommit' | 'autoCommitInterval' | 'autoCommitIntervalMs' | 'autoCommitThreshold'>,
): CommitPolicy {
  const intervalMs = config.autoCommitIntervalMs ?? config.autoCommitInterval ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS;
  if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new RangeError(`autoCommitInterval must be a non-negative number of ms, got ${intervalMs}`);
  const threshold = config.autoCommitThreshold;
  if (threshold !== undefined && (!Number.isSafeInteger(threshold) || threshold < 1)) {
    throw new RangeError(`autoCommitThreshold must be a positive integer, got ${threshold}`);
  }
  return { autoCommit: config.autoCommit ?? true, intervalMs, threshold };
}

/**
 * Commits a group consumer's processed offsets: on the auto-commit interval or threshold, on
 * revoke and before leaving, and when asked (`commitOffsets`). Commits go out one at a time in
 * call order, through the group member of the moment.
 */
export class OffsetCommitter {
  private readonly offsets = new OffsetTracker();
  private policy: CommitPolicy = commitPolicy({});
  private lastCommitMs = 0;
  private chain: Promise<void> = Promise.resolve();
  /** Partitions being revoked: what their running handlers finish still counts as processed and is committed. */
  private readonly revoking = new Set<string>();

  constructor(
    private readonly context: ClientContext,
    private readonly groupId: string,
    private readonly subscriptions: SubscriptionState,
    /** The member commits go through; undefined while not in the group. */
    private readonly member: () => GroupMember | undefined,
    private readonly events: ConsumerEventBus,
  ) {}

  /** Takes the auto-commit settings of a new reader; the interval counts from now. */
  setPolicy(policy: CommitPolicy): void {
    this.policy = policy;
    this.lastCommitMs = this.context.now();
  }

  /** Records a processed message of a partition this member still owns (or is revoking). */
  markProcessed(topic: string, partition: number, nextOffset: number): void {
    if (!this.subscriptions.get(topic, partition) && !this.revoking.has(topicPartitionKey(topic, partition))) return;
    this.offsets.markProcessed(topic, partition, nextOffset);
  }

  /** Offsets known to be committed already (from OffsetFetch). */
  markCommitted(offsets: readonly TopicPartitionCommit[]): void {
    this.offsets.markCommitted(offsets);
  }

  /** Processed offsets not committed yet. */
  pending(): TopicPartitionCommit[] {
    return this.offsets.pending();
  }

  /** True when auto-commit is on and its interval or threshold has come. Cheap: checked per message. */
  autoCommitDue(): boolean {
    const policy = this.policy;
    // Whether anything is uncommitted comes from the offsets, not the threshold count: a revoke's
    // commit of only its partitions, or a commit that ends after more messages were processed,
    // restarts the count while other offsets still wait to be committed.
    if (!this.member() || !policy.autoCommit || !this.offsets.hasUncommitted) return false;
    if (policy.threshold !== undefined && this.offsets.uncommittedCount >= policy.threshold) return true;
    return this.context.now() - this.lastCommitMs >= policy.intervalMs;
  }

  /** Commits when `autoCommitDue`; a failed commit is logged (the messages may come again), not thrown. */
  async autoCommitIfDue(): Promise<void> {
    if (this.autoCommitDue()) await this.commitPending(undefined).catch((error: unknown) => this.logCommitFailure(error));
  }

  /**
   * `consumer.commitOffsets`: the given offsets (each the next to consume), or everything
   * processed and not yet committed. Throws a RangeError for an offset that is not a
   * non-negative integer.
   */
  commitOffsets(offsets: readonly TopicPartitionOffsetCommit[] | undefined, signal: AbortSignal): Promise<void> {
    if (offsets === undefined) return this.commitPending(signal);
    const parsed = offsets.map(({ topic, partition, offset }) => {
      const value = typeof offset === 'string' ? Number(offset) : offset;
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`offset to commit must be a non-negative integer, got ${String(offset)}`);
      return { topic, partition, offset: value };
    });
    return this.commit(parsed, signal);
  }

  /** Partitions about to be revoked: what their handlers still finish counts as processed. */
  startRevoke(partitions: readonly TopicPartition[]): void {
    for (const p of partitions) this.revoking.add(topicPartitionKey(p.topic, p.partition));
  }

  /** After their handlers ended: commits what was processed of the revoked partitions (with autoCommit) and forgets them. */
  async finishRevoke(partitions: readonly TopicPartition[]): Promise<void> {
    if (this.policy.autoCommit) {
      await this.commitPending(undefined, partitions).catch((error: unknown) => this.logCommitFailure(error));
    }
    await this.chain;
    for (const p of partitions) this.revoking.delete(topicPartitionKey(p.topic, p.partition));
    this.offsets.forget(partitions);
  }

  /** Before leaving the group: commits what was processed (with autoCommit) and waits for commits in flight. */
  async commitBeforeLeaving(): Promise<void> {
    if (this.policy.autoCommit) await this.commitPending(undefined).catch((error: unknown) => this.logCommitFailure(error));
    await this.chain;
  }

  /** Partitions lost without a chance to commit. */
  forget(partitions: readonly TopicPartition[]): void {
    this.offsets.forget(partitions);
  }

  /** Forgets everything (after leaving the group). */
  clear(): void {
    this.offsets.clear();
  }

  /** Commits processed, uncommitted offsets (of `partitions`, or all). */
  private async commitPending(signal: AbortSignal | undefined, partitions?: readonly TopicPartition[]): Promise<void> {
    const pending = this.offsets.pending(partitions);
    this.lastCommitMs = this.context.now();
    if (pending.length === 0) return;
    await this.commit(pending, signal);
  }

  /** One commit at a time, in call order, so an older commit never lands after a newer one. */
  private commit(offsets: TopicPartitionCommit[], signal: AbortSignal | undefined): Promise<void> {
    const member = this.member();
    if (!member) return Promise.reject(new QuillStateError('not in a group yet: nothing to commit offsets for'));
    const run = async (): Promise<void> => {
      await member.commit(offsets, signal);
      this.offsets.markCommitted(offsets);
      this.offsets.commitDone();
      const topics = new Map<string, Array<{ partition: number; offset: number }>>();
      for (const { topic, partition, offset } of offsets) topics.set(topic, [...(topics.get(topic) ?? []), { partition, offset }]);
      this.events.emit(ConsumerEventNames.COMMIT_OFFSETS, {
        groupId: this.groupId,
        memberId: member.membership.memberId,
        groupGenerationId: member.membership.generationId,
        topics: [...topics].map(([topic, list]) => ({ topic, partitions: list })),
      });
    };
    const result = this.chain.then(run);
    this.chain = result.catch(() => undefined);
    return result;
  }

  private logCommitFailure(error: unknown): void {
    this.context.logger.warn({ err: errorMessage(error) }, 'committing offsets failed; the messages since the last commit may be delivered again');
  }
}
