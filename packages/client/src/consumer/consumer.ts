import { EventEmitter } from 'node:events';
import { QuillError } from '@quill/proto';
import type { DecodedBatch, Record as BatchRecord } from '@quill/records';
import { topicPartitionKey } from '../cluster/index.js';
import { ClusterSession } from '../cluster/cluster-session.js';
import type { ClientContext } from '../context.js';
import { QuillStateError } from '../errors.js';
import { GroupMember, type GroupMemberEvent } from '../group/group-member.js';
import type { AssignmentListener, GroupSettings, TopicPartitionCommit } from '../group/types.js';
import { backoffDelay } from '../retry/index.js';
import { Fetcher, type FetchedPartition, type FetcherOptions } from './fetcher.js';
import { OffsetTracker } from './offset-tracker.js';
import { SubscriptionState } from './subscription-state.js';
import { TopicSubscriptions } from './topic-subscriptions.js';
import {
  ConsumerEventNames,
  type ConsumedMessage,
  type ConsumerEvents,
  type ConsumerRunConfig,
  type ConsumerSubscribeTopics,
  type EachBatchPayload,
  type ReceivedHeaders,
  type ReceivedMessage,
  type TopicPartition,
  type TopicPartitionOffset,
  type TopicPartitionOffsetCommit,
} from './types.js';

interface Reader {
  kind: 'run' | 'iterator';
  signal: AbortSignal;
  /** Stops this reader (a crash). */
  stop: AbortController;
}

/** Auto-commit settings of the current reader. */
interface CommitPolicy {
  autoCommit: boolean;
  intervalMs: number;
  threshold: number | undefined;
}

/** Kafka's auto.commit.interval.ms. */
const DEFAULT_AUTO_COMMIT_INTERVAL_MS = 5_000;
/** Bound on partitions handled at once (partitionsConsumedConcurrently). */
const PARTITIONS_CONSUMED_CONCURRENTLY_MAX = 1_000;

/** Control record type of an abort marker (the key is int16 version, int16 type). */
const CONTROL_TYPE_ABORT = 0;

/**
 * Reads partitions: those it is given with `assign()`, or, with a `groupId`, those its
 * consumer group assigns it after `subscribe()`. In a group it commits processed offsets
 * (automatically, or with `commitOffsets`), heartbeats on its own timer, follows
 * rebalances (eager or cooperative, by assignor) and leaves the group on `disconnect()`.
 *
 * @example
 * const consumer = quill.consumer({ groupId: 'billing' });
 * await consumer.connect();
 * await consumer.subscribe({ topics: ['orders'], fromBeginning: true });
 * await consumer.run({ eachMessage: async ({ message }) => handle(message.value) });
 * // ... later: commits what was processed and leaves the group
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
  private readonly group: GroupSettings | undefined;
  private readonly offsets = new OffsetTracker();
  private readonly topicSubscriptions = new TopicSubscriptions();
  /** Set while run() or messages() reads; one reader at a time. */
  private reader: Reader | undefined;
  private runLoop: Promise<void> | undefined;
  private member: GroupMember | undefined;
  private memberLoop: Promise<void> | undefined;
  /** Stops the member's loop (on a crash) without disconnecting. */
  private memberStop: AbortController | undefined;
  private commitPolicy: CommitPolicy = { autoCommit: true, intervalMs: DEFAULT_AUTO_COMMIT_INTERVAL_MS, threshold: undefined };
  private lastCommitMs = 0;
  private commitChain: Promise<void> = Promise.resolve();
  /** The handling of each partition's fetched data in progress, so a revoke can wait for it. */
  private readonly handling = new Map<string, Promise<void>>();
  /** Partitions being revoked: what their running handlers finish still counts as processed and is committed. */
  private readonly revoking = new Set<string>();
  /** When each message handler in progress started (key: topic-partition), for maxPollIntervalMs. */
  private readonly handlerStartedAtMs = new Map<string, number>();

  /** @internal Use `quill.consumer()`. */
  constructor(context: ClientContext, options: FetcherOptions, group?: GroupSettings) {
    this.context = context;
    this.session = new ClusterSession(context, 'consumer');
    this.fetcher = new Fetcher(context, this.subscriptions, options);
    this.group = group;
  }

  /** Connects to the cluster (bootstraps metadata). Retries with backoff; rejects when retries run out. */
  async connect(): Promise<void> {
    await this.session.connect();
  }

  /**
   * Stops reading: cancels fetches in flight, waits for a running handler to finish, ends
   * `messages()` iterators and closes every connection. In a group it first commits what was
   * processed (with autoCommit) and leaves the group (LeaveGroup; static members stay, so a
   * restart within the session timeout keeps their partitions). Outside a group positions
   * are kept, so the consumer may connect and run again.
   */
  async disconnect(): Promise<void> {
    await this.session.disconnect(async () => {
      await this.runLoop;
      await this.leaveGroup('the consumer is disconnecting');
      // An iterator parked at a yield ends on its next call; it no longer blocks a new reader.
      this.reader = undefined;
      this.fetcher.reset();
    });
  }

  /**
   * Subscribes the group member to topics: names, or RegExps matched against the cluster's
   * topics each time the group rebalances. Call before `run()`; calling it while running
   * makes the member rejoin with the new subscription. Needs `groupId`.
   *
   * @example
   * await consumer.subscribe({ topics: ['orders', /^audit-.+/], fromBeginning: true });
   */
  async subscribe(subscription: ConsumerSubscribeTopics): Promise<void> {
    if (!this.group) throw new QuillStateError('subscribe needs a consumer group: pass groupId to quill.consumer(), or use assign()');
    const topics = [...(subscription.topics ?? []), ...(subscription.topic !== undefined ? [subscription.topic] : [])];
    if (topics.length === 0) throw new RangeError('subscribe needs at least one topic (topics: [...] or topic)');
    this.topicSubscriptions.add(topics, subscription.fromBeginning ?? false);
    this.member?.requestRejoin('subscription changed');
  }

  /**
   * Reads exactly these partitions from now on, each from its offset: a number, or 'earliest' /
   * 'latest' (looked up with ListOffsets). Replaces any earlier assignment. Not for group
   * consumers, whose partitions come from the group.
   */
  assign(partitions: readonly TopicPartitionOffset[]): void {
    if (this.group) throw new QuillStateError('a group consumer gets its partitions from the group: use subscribe()');
    this.subscriptions.assign(partitions);
    this.context.logger.debug({ partitions: partitions.map((p) => `${p.topic}-${p.partition}@${p.offset}`) }, 'assigned');
  }

  /** The partitions assigned to this consumer. */
  assignment(): TopicPartition[] {
    return this.subscriptions.assigned();
  }

  /**
   * Moves an assigned partition's position: the next message handed out is the one at `offset`
   * (or the first at or after it). Data already fetched for the old position is dropped. In a
   * group, a numeric offset also becomes the offset the next commit stores, as in KafkaJS.
   * Throws QuillStateError when the partition is not assigned.
   */
  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    this.subscriptions.seek(topic, partition, offset);
    const position = this.subscriptions.get(topic, partition)?.position;
    if (this.group && position !== undefined) this.offsets.markProcessed(topic, partition, position);
  }

  /** The next offset this consumer will read from a partition, or undefined while not yet known. */
  position(topic: string, partition: number): number | undefined {
    return this.subscriptions.get(topic, partition)?.position;
  }

  /**
   * Stops fetching these partitions. Messages already handed to the reader (the rest of the
   * current fetch answer) still come; data fetched ahead and not handed out yet is dropped and
   * fetched again from the position after `resume`.
   */
  pause(partitions: readonly TopicPartition[]): void {
    this.subscriptions.pause(partitions);
  }

  /** Fetches paused partitions again. */
  resume(partitions: readonly TopicPartition[]): void {
    this.subscriptions.resume(partitions);
  }

  /** The paused partitions among the assigned ones. */
  paused(): TopicPartition[] {
    return [...this.subscriptions.all()].filter((s) => s.paused).map(({ topic, partition }) => ({ topic, partition }));
  }

  /**
   * Commits offsets for the group: the given ones (each the next offset to consume, i.e. the
   * last processed + 1, as KafkaJS takes them), or, without an argument, everything processed
   * and not yet committed. Rejects with the coordinator's error (REBALANCE_IN_PROGRESS, for
   * instance, when the partitions were reassigned meanwhile). Needs `groupId`.
   *
   * @example
   * await consumer.commitOffsets([{ topic, partition, offset: Number(message.offset) + 1 }]);
   */
  async commitOffsets(offsets?: readonly TopicPartitionOffsetCommit[]): Promise<void> {
    if (!this.group) throw new QuillStateError('commitOffsets needs a consumer group: pass groupId to quill.consumer()');
    const signal = this.session.signal();
    if (offsets === undefined) return this.commitPending(signal);
    const parsed = offsets.map(({ topic, partition, offset }) => {
      const value = typeof offset === 'string' ? Number(offset) : offset;
      if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`offset to commit must be a non-negative integer, got ${String(offset)}`);
      return { topic, partition, offset: value };
    });
    return this.commit(parsed, signal);
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
   * Starts handing messages to `eachMessage` (or `eachBatch`), in offset order per partition,
   * and resolves once the loop is started; in a group it also joins the group. A message
   * counts as processed when its handler resolves; a handler that throws gets the same
   * message again after a backoff, and after `retry.retries` failures in a row the consumer
   * stops and emits `consumer.crash`.
   */
  async run(config: ConsumerRunConfig): Promise<void> {
    if ((config.eachMessage === undefined) === (config.eachBatch === undefined)) {
      throw new RangeError('run needs exactly one of eachMessage and eachBatch');
    }
    const concurrency = config.partitionsConsumedConcurrently ?? 1;
    if (!Number.isSafeInteger(concurrency) || concurrency < 1 || concurrency > PARTITIONS_CONSUMED_CONCURRENTLY_MAX) {
      throw new RangeError(`partitionsConsumedConcurrently must be an integer in 1..${PARTITIONS_CONSUMED_CONCURRENTLY_MAX}`);
    }
    const reader = this.claimReader('run');
    this.setCommitPolicy(config);
    this.startGroup(reader);
    this.runLoop = this.loop(config, concurrency, reader)
      .catch((error: unknown) => this.context.logger.error({ err: errorMessage(error) }, 'consumer loop failed'))
      .finally(() => {
        this.releaseReader(reader);
        this.runLoop = undefined;
      });
  }

  /**
   * The messages of the assigned partitions as an async iterator, an alternative to `run`. A
   * message counts as processed when the next one is asked for, so leaving the loop early means
   * the last message is delivered again by the next iterator (or, in a group, by the next
   * owner of the partition). Ends on `disconnect()`; throws a non-retriable error (for example
   * OFFSET_OUT_OF_RANGE with autoOffsetReset 'none'). In a group it joins the group and
   * auto-commits (every 5 s).
   *
   * @example
   * for await (const message of consumer.messages()) await handle(message.offset, message.value);
   */
  messages(): AsyncIterableIterator<ConsumedMessage> {
    const reader = this.claimReader('iterator');
    this.setCommitPolicy({});
    this.startGroup(reader);
    return this.iterate(reader);
  }

  /** Same as `messages()`. */
  [Symbol.asyncIterator](): AsyncIterableIterator<ConsumedMessage> {
    return this.messages();
  }

  private setCommitPolicy(config: Pick<ConsumerRunConfig, 'autoCommit' | 'autoCommitInterval' | 'autoCommitIntervalMs' | 'autoCommitThreshold'>): void {
    const intervalMs = config.autoCommitIntervalMs ?? config.autoCommitInterval ?? DEFAULT_AUTO_COMMIT_INTERVAL_MS;
    if (!Number.isFinite(intervalMs) || intervalMs < 0) throw new RangeError(`autoCommitInterval must be a non-negative number of ms, got ${intervalMs}`);
    const threshold = config.autoCommitThreshold;
    if (threshold !== undefined && (!Number.isSafeInteger(threshold) || threshold < 1)) {
      throw new RangeError(`autoCommitThreshold must be a positive integer, got ${threshold}`);
    }
    this.commitPolicy = { autoCommit: config.autoCommit ?? true, intervalMs, threshold };
    this.lastCommitMs = this.context.now();
  }

  private claimReader(kind: Reader['kind']): Reader {
    const sessionSignal = this.session.signal();
    if (this.reader) throw new QuillStateError(`the consumer is already reading (${this.reader.kind}); one reader at a time`);
    if (this.group && this.topicSubscriptions.isEmpty) throw new QuillStateError('subscribe to topics before reading');
    const stop = new AbortController();
    const reader: Reader = { kind, signal: AbortSignal.any([sessionSignal, stop.signal]), stop };
    this.reader = reader;
    return reader;
  }

  private releaseReader(reader: Reader): void {
    if (this.reader === reader) this.reader = undefined;
  }

  /** Joins the group in the background (once per connection); a fatal group error crashes the consumer. */
  private startGroup(reader: Reader): void {
    if (!this.group || this.member) return;
    const member = new GroupMember(this.context, this.group, this.assignmentListener(), (event) => this.onMemberEvent(event));
    this.member = member;
    const stop = new AbortController();
    this.memberStop = stop;
    const signal = AbortSignal.any([this.session.signal(), stop.signal]);
    this.memberLoop = member.run(signal).catch((error: unknown) => {
      if (signal.aborted) return;
      this.crash(error);
      reader.stop.abort();
    });
  }

  /**
   * Ends the group membership: stops heartbeating, commits what was processed (with
   * autoCommit), sends LeaveGroup (not for static members) and forgets the partitions.
   */
  private async leaveGroup(reason: string): Promise<void> {
    const member = this.member;
    if (!member) return;
    this.memberStop?.abort();
    await this.memberLoop;
    if (this.commitPolicy.autoCommit) await this.commitPending(undefined).catch((error: unknown) => this.logCommitFailure(error));
    await this.commitChain;
    if (this.member === member) this.member = undefined;
    await member.leave(reason);
    this.subscriptions.assign([]);
    this.offsets.clear();
  }

  /** What the group driver calls on assignment changes. */
  private assignmentListener(): AssignmentListener {
    return {
      subscribedTopics: (signal) => this.subscribedTopics(signal),
      assigned: (partitions, signal) => this.onAssigned(partitions, signal),
      revoked: (partitions) => this.onRevoked(partitions),
      lost: async (partitions) => {
        this.subscriptions.remove(partitions);
        this.offsets.forget(partitions);
        this.emit(ConsumerEventNames.PARTITIONS_LOST, { groupId: this.group!.groupId, partitions });
      },
      pollOverdue: () => {
        const now = this.context.now();
        for (const startedAt of this.handlerStartedAtMs.values()) if (now - startedAt > this.group!.maxPollIntervalMs) return true;
        return false;
      },
      tick: async () => {
        if (this.autoCommitDue()) await this.commitPending(undefined).catch((error: unknown) => this.logCommitFailure(error));
      },
    };
  }

  /** Subscribed names, and the cluster's (non-internal) topics that the subscribed RegExps match. */
  private async subscribedTopics(signal: AbortSignal): Promise<string[]> {
    if (!this.topicSubscriptions.hasPatterns) return this.topicSubscriptions.resolve([]);
    const metadata = await this.context.cluster.requestMetadata(null);
    signal.throwIfAborted();
    return this.topicSubscriptions.resolve([...metadata.topics.values()].filter((t) => !t.isInternal).map((t) => t.name));
  }

  /** New partitions start at the group's committed offset, else at the subscription's end (fromBeginning). */
  private async onAssigned(partitions: TopicPartition[], signal: AbortSignal): Promise<void> {
    if (partitions.length === 0) return;
    const committed = await this.fetchCommittedWithRetry(partitions, signal);
    const start = partitions.map(({ topic, partition }): TopicPartitionOffset => {
      const offset = committed.get(topicPartitionKey(topic, partition)) ?? -1;
      return { topic, partition, offset: offset >= 0 ? offset : this.topicSubscriptions.fromBeginning(topic) ? 'earliest' : 'latest' };
    });
    this.offsets.markCommitted(start.flatMap((p) => (typeof p.offset === 'number' ? [{ topic: p.topic, partition: p.partition, offset: p.offset }] : [])));
    this.subscriptions.add(start);
    this.emit(ConsumerEventNames.PARTITIONS_ASSIGNED, { groupId: this.group!.groupId, partitions });
  }

  /** OffsetFetch, retried while the coordinator moves or loads (the partitions cannot be read without it). */
  private async fetchCommittedWithRetry(partitions: TopicPartition[], signal: AbortSignal): Promise<Map<string, number>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.member!.fetchCommitted(partitions, signal);
      } catch (error) {
        if (signal.aborted || !(error instanceof QuillError) || !error.retriable) throw error;
        const delayMs = backoffDelay(this.context.retry, attempt, this.context.random);
        this.context.logger.warn({ code: error.code, err: error.message, delayMs }, 'fetching committed offsets failed, retrying');
        await this.context.sleep(delayMs, signal);
      }
    }
  }

  /** Stops reading the partitions, waits for their handlers, commits what they processed, forgets them. */
  private async onRevoked(partitions: TopicPartition[]): Promise<void> {
    const keys = partitions.map((p) => topicPartitionKey(p.topic, p.partition));
    for (const key of keys) this.revoking.add(key);
    this.subscriptions.remove(partitions);
    await Promise.all(partitions.map((p) => this.handling.get(topicPartitionKey(p.topic, p.partition))));
    if (this.commitPolicy.autoCommit) {
      await this.commitPending(undefined, partitions).catch((error: unknown) => this.logCommitFailure(error));
    }
    await this.commitChain;
    for (const key of keys) this.revoking.delete(key);
    this.offsets.forget(partitions);
    this.emit(ConsumerEventNames.PARTITIONS_REVOKED, { groupId: this.group!.groupId, partitions });
  }

  private onMemberEvent(event: GroupMemberEvent): void {
    const groupId = this.group!.groupId;
    switch (event.type) {
      case 'rebalancing':
        this.emit(ConsumerEventNames.REBALANCING, { groupId, memberId: event.memberId, reason: event.reason });
        return;
      case 'joined': {
        const memberAssignment: Record<string, number[]> = {};
        for (const { topic, partition } of event.assignment) (memberAssignment[topic] ??= []).push(partition);
        this.emit(ConsumerEventNames.GROUP_JOIN, {
          groupId,
          memberId: event.memberId,
          leaderId: event.leaderId,
          isLeader: event.isLeader,
          generationId: event.generationId,
          groupProtocol: event.protocol,
          memberAssignment,
          durationMs: event.durationMs,
        });
        return;
      }
      case 'heartbeat':
        this.emit(ConsumerEventNames.HEARTBEAT, { groupId, memberId: event.memberId, groupGenerationId: event.generationId });
        return;
      case 'left':
        this.emit(ConsumerEventNames.GROUP_LEAVE, { groupId, memberId: event.memberId, reason: event.reason });
        return;
    }
  }

  private autoCommitDue(): boolean {
    const policy = this.commitPolicy;
    if (!this.member || !policy.autoCommit || this.offsets.uncommittedCount === 0) return false;
    if (policy.threshold !== undefined && this.offsets.uncommittedCount >= policy.threshold) return true;
    return this.context.now() - this.lastCommitMs >= policy.intervalMs;
  }

  private async maybeAutoCommit(): Promise<void> {
    if (this.autoCommitDue()) await this.commitPending(undefined).catch((error: unknown) => this.logCommitFailure(error));
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
    const member = this.member;
    if (!member) return Promise.reject(new QuillStateError('not in a group yet: nothing to commit offsets for'));
    const run = async (): Promise<void> => {
      await member.commit(offsets, signal);
      this.offsets.markCommitted(offsets);
      this.offsets.commitDone();
      const topics = new Map<string, Array<{ partition: number; offset: number }>>();
      for (const { topic, partition, offset } of offsets) topics.set(topic, [...(topics.get(topic) ?? []), { partition, offset }]);
      this.emit(ConsumerEventNames.COMMIT_OFFSETS, {
        groupId: this.group!.groupId,
        memberId: member.membership.memberId,
        groupGenerationId: member.membership.generationId,
        topics: [...topics].map(([topic, list]) => ({ topic, partitions: list })),
      });
    };
    const result = this.commitChain.then(run);
    this.commitChain = result.catch(() => undefined);
    return result;
  }

  private logCommitFailure(error: unknown): void {
    this.context.logger.warn({ err: errorMessage(error) }, 'committing offsets failed; the messages since the last commit may be delivered again');
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
          const { topic, partition } = data;
          // Outside a group nothing reads handler times or commits: skip that per-message work.
          const key = this.group ? topicPartitionKey(topic, partition) : undefined;
          for (const record of this.partitionRecords(data)) {
            if (key !== undefined) this.handlerStartedAtMs.set(key, this.context.now());
            try {
              yield toConsumedMessage(record, topic, partition);
            } finally {
              if (key !== undefined) this.handlerStartedAtMs.delete(key);
            }
            if (signal.aborted) return;
            if (key === undefined) continue;
            this.markProcessed(topic, partition, record.offset + 1);
            // Checked before awaiting: an await per message costs a promise and a microtask turn.
            if (this.autoCommitDue()) await this.maybeAutoCommit();
          }
        }
      }
    } finally {
      this.releaseReader(reader);
    }
  }

  private async loop(config: ConsumerRunConfig, concurrency: number, reader: Reader): Promise<void> {
    const { signal } = reader;
    // Consecutive handler failures per partition (topic-partition key).
    const failures = new Map<string, number>();
    while (!signal.aborted) {
      let fetched: FetchedPartition[];
      try {
        fetched = await this.fetcher.poll(signal);
      } catch (error) {
        if (!signal.aborted) this.crash(error);
        return;
      }
      const queue = [...fetched];
      const worker = async (): Promise<void> => {
        for (let data = queue.shift(); data && !signal.aborted; data = queue.shift()) {
          const key = topicPartitionKey(data.topic, data.partition);
          const task = this.handlePartition(config, data, failures, reader);
          this.handling.set(key, task);
          try {
            await task;
          } finally {
            if (this.handling.get(key) === task) this.handling.delete(key);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, queue.length) }, worker));
      await this.maybeAutoCommit();
    }
  }

  /** Hands one partition's fetched data to the handler; a failure is retried after a backoff, then crashes. */
  private async handlePartition(
    config: ConsumerRunConfig,
    data: FetchedPartition,
    failures: Map<string, number>,
    reader: Reader,
  ): Promise<void> {
    const { topic, partition } = data;
    const key = topicPartitionKey(topic, partition);
    const { signal } = reader;
    try {
      if (config.eachBatch) await this.handleBatch(config, data, signal);
      else {
        for (const message of this.partitionMessages(data)) {
          if (signal.aborted) return;
          await this.handleOne(key, () =>
            config.eachMessage!({
              topic,
              partition,
              message,
              heartbeat: async () => undefined,
              pause: () => this.pauseOne(topic, partition),
            }),
          );
          this.markProcessed(topic, partition, message.offset + 1);
        }
      }
      failures.delete(key);
    } catch (error) {
      const count = failures.get(key) ?? 0;
      if (count >= this.context.retry.retries) {
        this.crash(error);
        reader.stop.abort();
        return;
      }
      failures.set(key, count + 1);
      const delayMs = backoffDelay(this.context.retry, count, this.context.random);
      this.context.logger.error(
        { topic, partition, position: this.position(topic, partition), err: errorMessage(error), delayMs },
        'handler failed, the message will be delivered again',
      );
      await this.context.sleep(delayMs, signal).catch(() => undefined);
    }
  }

  private async handleOne(key: string, handler: () => Promise<void>): Promise<void> {
    this.handlerStartedAtMs.set(key, this.context.now());
    try {
      await handler();
    } finally {
      this.handlerStartedAtMs.delete(key);
    }
  }

  private async handleBatch(config: ConsumerRunConfig, data: FetchedPartition, signal: AbortSignal): Promise<void> {
    const { topic, partition } = data;
    const state = this.subscriptions.get(topic, partition);
    const version = state?.version;
    const messages = [...this.partitionMessages(data)];
    if (messages.length === 0) return;
    let resolved: number | undefined;
    const resolveOffset = (offset: number): void => {
      resolved = offset;
      this.markProcessed(topic, partition, offset + 1);
    };
    const last = messages[messages.length - 1]!.offset;
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
      commitOffsetsIfNecessary: () => this.maybeAutoCommit(),
      uncommittedOffsets: () => this.offsets.pending(),
      isRunning: () => !signal.aborted,
      isStale: () => this.subscriptions.get(topic, partition) !== state || state?.version !== version,
      pause: () => this.pauseOne(topic, partition),
    };
    try {
      await this.handleOne(topicPartitionKey(topic, partition), () => config.eachBatch!(payload));
    } catch (error) {
      // Deliver the unresolved rest again: the position already moved past the whole batch.
      if (this.subscriptions.get(topic, partition) === state && state?.version === version) {
        this.subscriptions.seek(topic, partition, resolved === undefined ? messages[0]!.offset : resolved + 1);
      }
      throw error;
    }
    if (config.eachBatchAutoResolve ?? true) resolveOffset(last);
  }

  /** Records a processed message of a partition this member still owns (or is revoking) in a group. */
  private markProcessed(topic: string, partition: number, nextOffset: number): void {
    if (!this.group) return;
    if (!this.subscriptions.get(topic, partition) && !this.revoking.has(topicPartitionKey(topic, partition))) return;
    this.offsets.markProcessed(topic, partition, nextOffset);
  }

  private pauseOne(topic: string, partition: number): () => void {
    this.pause([{ topic, partition }]);
    return () => this.resume([{ topic, partition }]);
  }

  private emit<E extends keyof ConsumerEvents>(event: E, payload: ConsumerEvents[E]): void {
    try {
      this.emitter.emit(event, payload);
    } catch (listenerError) {
      this.context.logger.error({ event, err: errorMessage(listenerError) }, 'a consumer event listener threw');
    }
  }

  /** Reports the crash; a group member also leaves the group, so its partitions go to the others. */
  private crash(error: unknown): void {
    const failure = error instanceof Error ? error : new Error(String(error));
    this.context.logger.error({ err: failure.message }, 'consumer crashed');
    this.emit(ConsumerEventNames.CRASH, { error: failure, groupId: this.group?.groupId });
    void this.leaveGroup('the consumer crashed').catch((leaveError: unknown) =>
      this.context.logger.warn({ err: errorMessage(leaveError) }, 'leaving the group after a crash failed'),
    );
  }

  /**
   * The messages of one fetch answer at or after the partition's position, skipping control
   * batches and aborted transactions. The position moves past a message when the next one is
   * asked for (after its handler resolved), and past a whole batch once it is done; a seek or
   * revoke meanwhile ends the iteration, and data fetched for an older position yields nothing.
   */
  private *partitionMessages(data: FetchedPartition): Generator<ReceivedMessage, void, undefined> {
    for (const record of this.partitionRecords(data)) yield toReceivedMessage(record);
  }

  /** The records behind `partitionMessages`, for callers that build their own message objects. */
  private *partitionRecords(data: FetchedPartition): Generator<BatchRecord, void, undefined> {
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
  return { offset: record.offset, key: record.key, value: record.value, headers: receivedHeaders(record), timestamp: record.timestamp };
}

/** Built in one go (not a ReceivedMessage spread with the partition): one object per message. */
function toConsumedMessage(record: BatchRecord, topic: string, partition: number): ConsumedMessage {
  return { offset: record.offset, key: record.key, value: record.value, headers: receivedHeaders(record), timestamp: record.timestamp, topic, partition };
}

/** The headers of every message without any: one shared, frozen object instead of one per message. */
const NO_HEADERS: ReceivedHeaders = Object.freeze({});

function receivedHeaders(record: BatchRecord): ReceivedHeaders {
  if (record.headers.length === 0) return NO_HEADERS;
  const headers: ReceivedHeaders = {};
  for (const { key, value } of record.headers) {
    const existing = headers[key];
    if (existing === undefined) headers[key] = value;
    else if (Array.isArray(existing)) existing.push(value);
    else headers[key] = [existing, value];
  }
  return headers;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

