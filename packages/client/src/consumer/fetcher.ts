import { ErrorCode, QuillError, asQuillError, errorInfo, errorMessage, type FetchPartitionResponse__Output } from '@quill/proto';
import { decodeBatches, type DecodedBatch } from '@quill/records';
import { EARLIEST_TIMESTAMP, LATEST_TIMESTAMP, listOffsets, topicPartitionKey } from '../cluster/index.js';
import type { ClientContext } from '../context.js';
import { backoffDelay, isRetriableError, isStaleMetadataError } from '../retry/index.js';
import type { PartitionState, SubscriptionState } from './subscription-state.js';
import type { AutoOffsetReset } from './types.js';

/** Kafka's `retry.backoff.ms`: the least time between two metadata refreshes of a fetcher. */
const METADATA_REFRESH_BACKOFF_MS = 100;

export type FetchIsolationLevel = 'ISOLATION_LEVEL_READ_COMMITTED' | 'ISOLATION_LEVEL_READ_UNCOMMITTED';

export interface FetcherOptions {
  maxWaitTimeInMs: number;
  minBytes: number;
  maxBytes: number;
  maxBytesPerPartition: number;
  isolationLevel: FetchIsolationLevel;
  autoOffsetReset: AutoOffsetReset;
}

/** The answer of one fetch for one partition: whole batches, the first possibly starting before `fetchOffset`. */
export interface FetchedPartition {
  topic: string;
  partition: number;
  /** The position the data was fetched for. */
  fetchOffset: number;
  /** The partition state's version when fetched; the data is stale once it changed. */
  version: number;
  highWatermark: number;
  lastStableOffset: number;
  batches: DecodedBatch[];
  abortedTransactions: Array<{ producerId: number; firstOffset: number }>;
}

interface FetchTarget {
  state: PartitionState;
  version: number;
  fetchOffset: number;
  leaderEpoch: number;
  /** Fetched from the end of data handed out but maybe not read yet, not from the position. */
  prefetch: boolean;
}

/**
 * Fetches the assigned partitions from their leaders: at most one long-poll Fetch per broker at
 * a time, brokers independent of each other; positions are resolved with ListOffsets first when
 * they are 'earliest'/'latest' or out of range. Errors are handled per partition (metadata
 * refresh, backoff, offset reset); only a non-retriable one reaches the caller.
 *
 * As Kafka's consumer pipelines its fetches, handing data out also sends the next fetch of those
 * partitions, from the end of that data, so the brokers read and send while the caller reads. A
 * partition has at most one answer waiting and one fetch in flight besides the data being read.
 *
 * It reads the SubscriptionState and never moves positions itself (except resets): the consumer
 * does, as it hands messages out. Whoever drives the assignment (assign() now, a group
 * coordinator later) drives what is fetched.
 */
export class Fetcher {
  private readonly ready: FetchedPartition[] = [];
  private readonly inFlightNodes = new Set<number>();
  private readonly inFlightPartitions = new Set<string>();
  private failure: Error | undefined;
  private metadataRetryAtMs = 0;
  private metadataFailures = 0;
  private wakeUp: (() => void) | undefined;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly context: ClientContext,
    private readonly subscriptions: SubscriptionState,
    private readonly options: FetcherOptions,
  ) {
    this.unsubscribe = subscriptions.onChange(() => this.notify());
  }

  /**
   * Resolves with fetched data as soon as some is available (waiting on the brokers' long
   * polls otherwise). Rejects with a non-retriable error, or with the signal's reason on abort.
   */
  async poll(signal: AbortSignal): Promise<FetchedPartition[]> {
    for (;;) {
      signal.throwIfAborted();
      if (this.failure) {
        const failure = this.failure;
        this.failure = undefined;
        throw failure;
      }
      // Also while data is ready: a pipeline kept busy must not hold back resets and metadata.
      await this.prepare(signal);
      if (this.failure || signal.aborted) continue;
      if (this.ready.length > 0) {
        // As Kafka's poll returns nothing of a paused partition: its data (a fetch ahead that
        // landed after the pause) is dropped, and fetched again from the position on resume.
        const handedOut = this.ready.splice(0).filter((data) => this.subscriptions.get(data.topic, data.partition)?.paused !== true);
        this.sendFetches(signal, handedOut);
        if (handedOut.length > 0) return handedOut;
        continue;
      }
      this.sendFetches(signal);
      if (this.ready.length > 0 || this.failure) continue;
      await this.idle(this.nextRetryAtMs(), signal);
    }
  }

  /** Drops buffered data and stops listening to the subscription state. */
  close(): void {
    this.unsubscribe();
    this.reset();
  }

  /** Drops buffered data and errors (on disconnect). */
  reset(): void {
    this.ready.length = 0;
    this.failure = undefined;
    this.metadataRetryAtMs = 0;
    this.metadataFailures = 0;
    this.notify();
  }

  private notify(): void {
    const wake = this.wakeUp;
    this.wakeUp = undefined;
    wake?.();
  }

  /** Waits for a fetch to complete, the assignment to change, `untilMs`, or the abort. */
  private async idle(untilMs: number | undefined, signal: AbortSignal): Promise<void> {
    const timer = new AbortController();
    const onAbort = (): void => this.notify();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const woken = new Promise<void>((resolve) => (this.wakeUp = resolve));
      const waits: Array<Promise<void>> = [woken];
      if (untilMs !== undefined) {
        const delayMs = Math.max(0, untilMs - this.context.now());
        waits.push(this.context.sleep(delayMs, timer.signal).catch(() => undefined));
      }
      await Promise.race(waits);
    } finally {
      timer.abort();
      signal.removeEventListener('abort', onAbort);
    }
  }

  /** The earliest future time something may become fetchable without a wake-up. */
  private nextRetryAtMs(): number | undefined {
    const now = this.context.now();
    let next: number | undefined;
    const consider = (at: number): void => {
      if (at > now && (next === undefined || at < next)) next = at;
    };
    consider(this.metadataRetryAtMs);
    for (const state of this.subscriptions.all()) if (!state.paused) consider(state.retryAtMs);
    return next;
  }

  /** Refreshes metadata when stale (rate-limited) and resolves pending positions. */
  private async prepare(signal: AbortSignal): Promise<void> {
    const { cluster } = this.context;
    if (this.context.now() >= this.metadataRetryAtMs) {
      try {
        await cluster.addTargetTopics(this.subscriptions.topics());
        if (cluster.isStale()) {
          await cluster.refreshMetadata();
          this.metadataRetryAtMs = this.context.now() + METADATA_REFRESH_BACKOFF_MS;
        }
        this.metadataFailures = 0;
      } catch (error) {
        if (signal.aborted) return;
        if (!isRetriableError(error)) {
          this.failure = asQuillError(error);
          return;
        }
        const delayMs = backoffDelay(this.context.retry, this.metadataFailures++, this.context.random);
        this.metadataRetryAtMs = this.context.now() + delayMs;
        this.context.logger.warn({ err: error.message, delayMs }, 'metadata refresh failed, retrying');
      }
    }
    if (!cluster.isConnected) return;
    await this.resolvePositions(signal);
  }

  /** Looks up 'earliest'/'latest' positions with ListOffsets (-2/-1). */
  private async resolvePositions(signal: AbortSignal): Promise<void> {
    const now = this.context.now();
    const pending = [...this.subscriptions.all()]
      .filter((s) => s.pendingReset !== undefined && !s.paused && s.retryAtMs <= now)
      .map((state) => ({ state, version: state.version, reset: state.pendingReset! }));
    if (pending.length === 0) return;
    const answers = await listOffsets(
      this.context.cluster,
      pending.map(({ state, reset }) => ({
        topic: state.topic,
        partition: state.partition,
        timestamp: reset === 'earliest' ? EARLIEST_TIMESTAMP : LATEST_TIMESTAMP,
      })),
      this.options.isolationLevel,
      signal,
    );
    if (signal.aborted) return;
    for (const { state, version, reset } of pending) {
      if (state.version !== version || this.subscriptions.get(state.topic, state.partition) !== state) continue;
      const answer = answers.get(topicPartitionKey(state.topic, state.partition));
      if (answer === undefined) continue;
      if (answer instanceof QuillError) {
        this.partitionFailed(state, answer);
      } else {
        state.position = Math.max(0, answer.offset);
        state.pendingReset = undefined;
        state.failures = 0;
        this.context.logger.debug(
          { topic: state.topic, partition: state.partition, reset, position: state.position },
          'resolved position',
        );
      }
    }
  }

  /**
   * Starts a Fetch to every leader that has fetchable partitions and no fetch in flight. A partition
   * whose data is being handed out and will be read from the position on is fetched from the end of
   * that data (ahead of the reader); any other from its position, so a partition left out of the
   * data (no data last time, backed off, reset, seeked, added) is not held back by the others' pipeline.
   */
  private sendFetches(signal: AbortSignal, handedOut: readonly FetchedPartition[] = []): void {
    const { cluster } = this.context;
    if (!cluster.isConnected) return;
    const ahead = new Map<string, number>();
    for (const data of handedOut) {
      const state = this.subscriptions.get(data.topic, data.partition);
      const last = data.batches[data.batches.length - 1];
      if (state === undefined || last === undefined || state.version !== data.version || state.position !== data.fetchOffset) continue;
      ahead.set(topicPartitionKey(data.topic, data.partition), last.header.lastOffset + 1);
    }
    const now = this.context.now();
    const byLeader = new Map<number, FetchTarget[]>();
    for (const state of this.subscriptions.all()) {
      if (state.position === undefined || state.paused || state.retryAtMs > now) continue;
      const key = topicPartitionKey(state.topic, state.partition);
      if (this.inFlightPartitions.has(key)) continue;
      let leader;
      try {
        leader = cluster.leaderFor(state.topic, state.partition);
      } catch (error) {
        this.partitionFailed(state, error);
        continue;
      }
      if (this.inFlightNodes.has(leader.nodeId)) continue;
      const targets = byLeader.get(leader.nodeId) ?? [];
      const aheadOffset = ahead.get(key);
      targets.push({
        state,
        version: state.version,
        fetchOffset: aheadOffset ?? state.position,
        leaderEpoch: leader.leaderEpoch,
        prefetch: aheadOffset !== undefined,
      });
      byLeader.set(leader.nodeId, targets);
    }
    for (const [nodeId, targets] of byLeader) void this.fetchFrom(nodeId, targets, signal);
  }

  private async fetchFrom(nodeId: number, targets: FetchTarget[], signal: AbortSignal): Promise<void> {
    this.inFlightNodes.add(nodeId);
    for (const t of targets) this.inFlightPartitions.add(topicPartitionKey(t.state.topic, t.state.partition));
    const topics = new Map<string, FetchTarget[]>();
    for (const t of targets) topics.set(t.state.topic, [...(topics.get(t.state.topic) ?? []), t]);
    try {
      const response = await this.context.cluster.connectionTo(nodeId).streamRequest(
        'Fetch',
        {
          maxWaitMs: this.options.maxWaitTimeInMs,
          minBytes: this.options.minBytes,
          maxBytes: this.options.maxBytes,
          isolationLevel: this.options.isolationLevel,
          topics: [...topics].map(([topic, list]) => ({
            topic,
            topicId: '',
            partitions: list.map((t) => ({
              partition: t.state.partition,
              currentLeaderEpoch: t.leaderEpoch,
              fetchOffset: t.fetchOffset,
              logStartOffset: -1,
              partitionMaxBytes: this.options.maxBytesPerPartition,
            })),
          })),
        },
        { timeoutMs: this.context.requestTimeoutMs + this.options.maxWaitTimeInMs, signal },
      );
      const answers = new Map<string, FetchPartitionResponse__Output>();
      for (const topic of response.topics) {
        for (const p of topic.partitions) answers.set(topicPartitionKey(topic.topic, p.partition), p);
      }
      for (const target of targets) {
        const answer = answers.get(topicPartitionKey(target.state.topic, target.state.partition));
        if (answer && this.isCurrent(target)) this.handleAnswer(target, answer);
      }
    } catch (error) {
      if (!signal.aborted) {
        for (const target of targets) if (this.isCurrent(target)) this.partitionFailed(target.state, error);
      }
    } finally {
      this.inFlightNodes.delete(nodeId);
      for (const t of targets) this.inFlightPartitions.delete(topicPartitionKey(t.state.topic, t.state.partition));
      this.notify();
    }
  }

  /** Still assigned, not moved since the fetch was sent (a prefetch: not read past where it starts). */
  private isCurrent(target: FetchTarget): boolean {
    const { state } = target;
    return (
      this.subscriptions.get(state.topic, state.partition) === state &&
      state.version === target.version &&
      state.position !== undefined &&
      (target.prefetch ? state.position <= target.fetchOffset : state.position === target.fetchOffset)
    );
  }

  private handleAnswer(target: FetchTarget, answer: FetchPartitionResponse__Output): void {
    const { state } = target;
    const info = errorInfo(answer.errorCode);
    if (info.name === ErrorCode.NONE) {
      let batches: DecodedBatch[];
      try {
        batches = decodeBatches(answer.records);
      } catch (error) {
        this.partitionFailed(state, new QuillError(ErrorCode.CORRUPT_MESSAGE, `${state.topic}-${state.partition}: ${errorMessage(error)}`));
        return;
      }
      state.failures = 0;
      if (batches.length === 0) return;
      this.ready.push({
        topic: state.topic,
        partition: state.partition,
        fetchOffset: target.fetchOffset,
        version: target.version,
        highWatermark: answer.highWatermark,
        lastStableOffset: answer.lastStableOffset,
        batches,
        abortedTransactions: answer.abortedTransactions.map((a) => ({ producerId: a.producerId, firstOffset: a.firstOffset })),
      });
      return;
    }
    const error = new QuillError(info.name, `${state.topic}-${state.partition}: ${answer.errorMessage || info.message}`);
    if (info.name === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (this.options.autoOffsetReset === 'none') {
        this.failure = error;
        return;
      }
      this.context.logger.info(
        { topic: state.topic, partition: state.partition, position: state.position, reset: this.options.autoOffsetReset },
        'position out of range, resetting',
      );
      this.subscriptions.reset(state, this.options.autoOffsetReset);
      return;
    }
    this.partitionFailed(state, error);
  }

  /** Backs the partition off (refreshing metadata when the error says so), or fails the fetcher. */
  private partitionFailed(state: PartitionState, error: unknown): void {
    if (!isRetriableError(error)) {
      this.failure = asQuillError(error);
      return;
    }
    if (isStaleMetadataError(error)) this.context.cluster.markStale(error.code);
    const delayMs = backoffDelay(this.context.retry, state.failures++, this.context.random);
    state.retryAtMs = this.context.now() + delayMs;
    this.context.logger.debug(
      { topic: state.topic, partition: state.partition, code: error.code, err: error.message, delayMs },
      'fetch failed, backing off',
    );
  }
}
