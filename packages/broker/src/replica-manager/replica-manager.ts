import {
  effectiveTopicConfig,
  partitionOf,
  partitionsOf,
  topicById,
  topicByName,
  topicsSortedByName,
  type MetadataState,
  type PartitionMetadata,
  type TopicMetadata,
} from '@quill/metadata';
import { systemClock, type Clock, type Timer } from '@quill/clock';
import { QuillError, type AlterPartitionRequest, type AlterPartitionResponse__Output } from '@quill/proto';
import type { LogConfig } from '@quill/storage';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import { brokerError, toQuillError } from '../errors.js';
import { logConfigFor, type LogManager } from '../log-manager/log-manager.js';
import { Purgatory } from '../purgatory/purgatory.js';
import { Partition, type PartitionAssignment } from '../replication/partition.js';
import type { EpochEndOffset } from '../replication/leader-epoch-cache.js';
import { batchRewriteFor } from './batch-rewrite.js';
import { DelayedDeleteRecords, type DeleteRecordsOutcome } from './delayed-delete-records.js';
import { DelayedFetch, DelayedProduce, type ProduceOutcome } from './delayed-produce.js';
import { TopicTraffic } from './topic-traffic.js';
import { FollowerRoundTrips } from '../latency/follower-round-trips.js';
import { NO_LATENCY_STAGES, preciseNowMs, type LatencyStages } from '../latency/latency-stages.js';

/** Where a follower replica fetches from; the replica fetcher manager implements it. */
export interface FollowerFetching {
  follow(partition: Partition, topicId: string, index: number, leaderId: number): void;
  unfollow(partitionKey: string): void;
}

export interface ReplicaManagerDeps {
  config: BrokerConfig;
  logManager: LogManager;
  logger: Logger;
  fetching: FollowerFetching;
  brokerEpoch: () => number;
  alterPartition: (request: AlterPartitionRequest) => Promise<AlterPartitionResponse__Output>;
  /** Follower lag, the ISR check and delayed operations' timeouts; the system clock unless a test drives time. */
  clock?: Clock;
  /** Where the produce path's stage times go (none unless given). */
  latency?: LatencyStages;
}

export interface ProduceResult {
  error: QuillError | undefined;
  baseOffset: number;
  logStartOffset: number;
  /** The time stamped into the batches under message.timestamp.type=LogAppendTime; -1 otherwise. */
  logAppendTimeMs: number;
}

/**
 * A replica's key everywhere on a broker (hosted replicas, purgatories, fetchers, change
 * listeners): by topic id, so a topic re-created under the same name is another replica (Kafka's
 * TopicIdPartition, printed the same way).
 */
export const replicaKey = (topicId: string, topic: string, partition: number): string => `${topicId}:${topic}-${partition}`;

/** The ISR check runs every replica.lag.time.max.ms / 2, but never more often than this. */
const MIN_ISR_CHECK_INTERVAL_MS = 50;

/** Logs of new replicas opened at once when metadata adds many (a bound on open files and fsyncs in flight). */
const LOG_OPEN_CONCURRENCY = 32;

/** A hosted replica became leader, or stopped being leader (follower, or no longer hosted here). */
export interface LeadershipChange {
  topic: string;
  partition: number;
  isLeader: boolean;
  leaderEpoch: number;
}

interface Hosted {
  partition: Partition;
  topic: string;
  topicId: string;
  index: number;
  /** The log settings last applied, as JSON: a metadata change that leaves them alone reopens nothing. */
  logConfig: string;
}

/**
 * The replicas this broker hosts, kept in step with the metadata log: it opens logs for new
 * replicas, makes each leader or follower as metadata says, and serves produce, fetch and
 * follower fetches against them, completing waiting requests from the purgatories on change.
 */
export class ReplicaManager {
  private readonly hosted = new Map<string, Hosted>();
  private readonly producePurgatory: Purgatory;
  private readonly fetchPurgatory: Purgatory;
  private readonly deleteRecordsPurgatory: Purgatory;
  private readonly changeListeners = new Map<string, Set<() => void>>();
  private metadata: MetadataState | undefined;
  private applying: Promise<void> = Promise.resolve();
  private strayLogsRemoved = false;
  private readonly alterInFlight = new Set<string>();
  private isrTimer: Timer | undefined;
  private readonly clock: Clock;
  private readonly leadershipListeners = new Set<(change: LeadershipChange) => void>();
  /** ISR shrinks and expansions the controller accepted from this broker as leader (for metrics). */
  readonly isrChanges = { shrinks: 0, expands: 0 };
  /** Bytes and records in and out per topic (for metrics). */
  readonly traffic = new TopicTraffic();
  /** Stage times of the produce path, timed by this manager and by the fetch handlers. */
  readonly latency: LatencyStages;
  readonly followerRoundTrips = new FollowerRoundTrips();
  /** Each leader replica's high watermark when last seen to change, and when (preciseNowMs). */
  private readonly highWatermarkAdvances = new WeakMap<Partition, { highWatermark: number; atMs: number }>();
  /** When a producer last appended to each leader replica (preciseNowMs). */
  private readonly lastAppends = new WeakMap<Partition, number>();

  constructor(private readonly deps: ReplicaManagerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.latency = deps.latency ?? NO_LATENCY_STAGES;
    this.producePurgatory = new Purgatory(deps.config.purgatoryMaxOperations, this.clock);
    this.fetchPurgatory = new Purgatory(deps.config.purgatoryMaxOperations, this.clock);
    this.deleteRecordsPurgatory = new Purgatory(deps.config.purgatoryMaxOperations, this.clock);
  }

  start(): void {
    // Kafka checks the ISR every replica.lag.time.max.ms / 2.
    this.isrTimer = this.clock.setInterval(() => this.proposeIsrChanges(), Math.max(MIN_ISR_CHECK_INTERVAL_MS, Math.floor(this.deps.config.replicaLagTimeMaxMs / 2)));
  }

  /** Calls `listener` after every leadership change of a hosted replica; returns the unsubscribe. */
  onLeadershipChange(listener: (change: LeadershipChange) => void): () => void {
    this.leadershipListeners.add(listener);
    return () => this.leadershipListeners.delete(listener);
  }

  private notifyLeadership(change: LeadershipChange): void {
    for (const listener of this.leadershipListeners) listener(change);
  }

  get state(): MetadataState | undefined {
    return this.metadata;
  }

  /** The replica of the topic that has this name now (never one of an earlier topic of the same name). */
  partition(topic: string, index: number): Partition | undefined {
    const topicId = this.topicIdOf(topic);
    return topicId === undefined ? undefined : this.hosted.get(replicaKey(topicId, topic, index))?.partition;
  }

  /** Applies a new committed metadata state; calls are serialized (opening logs is asynchronous). */
  applyMetadata(state: MetadataState): Promise<void> {
    this.metadata = state;
    this.applying = this.applying.then(() => this.reconcile(state)).catch((error: unknown) => {
      this.deps.logger.error({ err: error }, 'applying metadata to replicas failed');
    });
    return this.applying;
  }

  private async reconcile(state: MetadataState): Promise<void> {
    if (state !== this.metadata) return; // a newer state is queued behind this one
    const me = this.deps.config.nodeId;
    const wanted = new Set<string>();
    const toOpen: Array<{ topic: TopicMetadata; metadata: PartitionMetadata }> = [];
    const reconfigurations: Array<Promise<void>> = [];
    for (const topic of topicsSortedByName(state)) {
      let logConfig: Partial<LogConfig> | undefined;
      for (const metadata of partitionsOf(topic)) {
        if (!metadata.replicas.includes(me)) continue;
        const key = replicaKey(topic.topicId, topic.name, metadata.partition);
        wanted.add(key);
        const hosted = this.hosted.get(key);
        if (hosted === undefined) {
          toOpen.push({ topic, metadata });
          continue;
        }
        logConfig ??= this.logConfigOf(state, topic);
        const reconfiguring = this.reconfigure(hosted, logConfig);
        if (reconfiguring !== undefined) reconfigurations.push(reconfiguring);
        this.assign(hosted, metadata);
      }
    }
    // Retention passes on reconfigured logs run in the background: they must not hold up metadata.
    void Promise.all(reconfigurations);
    if (!this.strayLogsRemoved) {
      // The first state is the metadata caught up at startup: logs it does not name are stale.
      await this.deps.logManager.removeStrayLogs((topic, index, topicId) => wanted.has(replicaKey(topicId, topic, index)));
      this.strayLogsRemoved = true;
    }
    // Removed replicas go first: a topic deleted and re-created under the same name needs its
    // directory, and the old log must be closed and gone before the new one opens there.
    for (const [key, hosted] of this.hosted) {
      if (wanted.has(key)) continue;
      this.deps.fetching.unfollow(key);
      this.hosted.delete(key);
      this.changed(key);
      if (hosted.partition.isLeader) this.notifyLeadership({ topic: hosted.topic, partition: hosted.index, isLeader: false, leaderEpoch: hosted.partition.leaderEpoch });
      // A failed removal must not hold up the new replicas: what it leaves names its old topic id
      // or none, so it is never opened for another topic.
      await this.deps.logManager.delete(hosted.partition.log).then(
        () => this.deps.logger.info({ partition: key }, 'replica removed'),
        (error: unknown) => this.deps.logger.error({ partition: key, err: error }, 'removing a replica log failed'),
      );
    }
    for (const [topic] of this.traffic.entries()) if (topicByName(state, topic) === undefined) this.traffic.forget(topic);
    // New replicas open a group at a time: each open waits for directory fsyncs, which then overlap
    // in the thread pool instead of queueing one after another (a topic of 1,000 partitions).
    for (let i = 0; i < toOpen.length; i += LOG_OPEN_CONCURRENCY) {
      const group = toOpen.slice(i, i + LOG_OPEN_CONCURRENCY);
      const opened = await Promise.all(group.map(({ topic, metadata }) => this.host(state, topic, metadata)));
      opened.forEach((hosted, j) => this.assign(hosted, group[j]!.metadata));
    }
  }

  private logConfigOf(state: MetadataState, topic: TopicMetadata): Partial<LogConfig> {
    return logConfigFor((k) => effectiveTopicConfig(state, topic.name, k), this.deps.config.flushPolicy);
  }

  /**
   * Pushes a topic's changed configs to an open log of it; undefined when they did not change.
   * A log that cannot take them (failed or closed) is left as it is: it is offline already.
   */
  private reconfigure(hosted: Hosted, config: Partial<LogConfig>): Promise<void> | undefined {
    const serialized = JSON.stringify(config);
    if (serialized === hosted.logConfig) return undefined;
    hosted.logConfig = serialized;
    const log = hosted.partition.log;
    this.deps.logger.info({ partition: hosted.partition.key, config }, 'applying changed topic configs to an open log');
    return this.deps.logManager
      .reconfigure(log, config)
      .then(() => this.changed(hosted.partition.key))
      .catch((error: unknown) => this.deps.logger.warn({ partition: hosted.partition.key, err: (error as Error).message }, 'changed topic configs not applied'));
  }

  private async host(state: MetadataState, topic: TopicMetadata, metadata: PartitionMetadata): Promise<Hosted> {
    const key = replicaKey(topic.topicId, topic.name, metadata.partition);
    let partition: Partition | undefined;
    const config = this.logConfigOf(state, topic);
    const log = await this.deps.logManager.open(topic.name, topic.topicId, metadata.partition, config, () => partition?.highWatermark ?? 0);
    partition = new Partition(key, log, {
      brokerId: this.deps.config.nodeId,
      replicaLagTimeMaxMs: this.deps.config.replicaLagTimeMaxMs,
      now: () => this.clock.now(),
      onChange: () => this.changed(key),
      onOffline: () => this.takeOffline(key),
    });
    const hosted: Hosted = { partition, topic: topic.name, topicId: topic.topicId, index: metadata.partition, logConfig: JSON.stringify(config) };
    this.hosted.set(key, hosted);
    return hosted;
  }

  private assign(hosted: Hosted, metadata: PartitionMetadata): void {
    this.applyAssignment(hosted, {
      leader: metadata.leader,
      leaderEpoch: metadata.leaderEpoch,
      partitionEpoch: metadata.partitionEpoch,
      replicas: metadata.replicas,
      isr: metadata.isr,
    });
  }

  /**
   * A new assignment from metadata or from an AlterPartition answer: on a change of role, the
   * fetcher follows the new leader (or stops) and leadership listeners (the group coordinator)
   * hear of it, whichever of the two brought it.
   */
  private applyAssignment(hosted: Hosted, assignment: PartitionAssignment): void {
    const { partition } = hosted;
    const changed = partition.applyAssignment(assignment);
    if (!changed) return;
    if (partition.isOffline) {
      // Elected while offline (it was still in the ISR): resign again at once.
      if (assignment.leader === this.deps.config.nodeId) this.proposeIsrChange(hosted);
      return;
    }
    if (partition.isLeader) {
      this.deps.fetching.unfollow(partition.key);
      this.deps.logger.info({ partition: partition.key, leaderEpoch: assignment.leaderEpoch }, 'leading');
    } else if (assignment.leader >= 0) {
      this.deps.fetching.follow(partition, hosted.topicId, hosted.index, assignment.leader);
    } else {
      this.deps.fetching.unfollow(partition.key);
    }
    this.followerRoundTrips.forget(partition);
    this.changed(partition.key);
    this.notifyLeadership({ topic: hosted.topic, partition: hosted.index, isLeader: partition.isLeader, leaderEpoch: assignment.leaderEpoch });
  }

  private changed(key: string): void {
    const partition = this.hosted.get(key)?.partition;
    if (partition?.isLeader === true && this.highWatermarkAdvances.get(partition)?.highWatermark !== partition.highWatermark) {
      this.highWatermarkAdvances.set(partition, { highWatermark: partition.highWatermark, atMs: preciseNowMs() });
    }
    this.producePurgatory.checkAndComplete(key);
    this.fetchPurgatory.checkAndComplete(key);
    this.deleteRecordsPurgatory.checkAndComplete(key);
    for (const listener of this.changeListeners.get(key) ?? []) listener();
  }

  /** When a producer last appended to `partition` here (preciseNowMs). */
  lastAppendedAt(partition: Partition): number | undefined {
    return this.lastAppends.get(partition);
  }

  /** When `partition`'s high watermark last changed here (preciseNowMs), if this broker saw it change as leader. */
  highWatermarkAdvancedAt(partition: Partition): number | undefined {
    return this.highWatermarkAdvances.get(partition)?.atMs;
  }

  /**
   * Calls `listener` whenever the replica under `key` changes (appends, high watermark, role) or
   * is removed, until the returned function is called: how a follower's fetch session learns
   * which of its many partitions to look at, without looking at all of them on every fetch.
   */
  onChange(key: string, listener: () => void): () => void {
    let listeners = this.changeListeners.get(key);
    if (listeners === undefined) this.changeListeners.set(key, (listeners = new Set()));
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.changeListeners.get(key) === listeners) this.changeListeners.delete(key);
    };
  }

  private minInsyncReplicas(topic: string): number {
    const configured = this.metadata === undefined ? undefined : effectiveTopicConfig(this.metadata, topic, 'min.insync.replicas');
    return configured === undefined ? this.deps.config.minInsyncReplicas : Number(configured);
  }

  private hostedOrError(topic: string, index: number): Hosted {
    return this.hostedByIdOrError(this.topicIdOf(topic), topic, index);
  }

  /** The id of the topic that has this name now. */
  private topicIdOf(topic: string): string | undefined {
    return this.metadata === undefined ? undefined : topicByName(this.metadata, topic)?.topicId;
  }

  private hostedByIdOrError(topicId: string | undefined, topic: string, index: number): Hosted {
    const hosted = topicId === undefined ? undefined : this.hosted.get(replicaKey(topicId, topic, index));
    if (hosted !== undefined) return hosted;
    const exists = topicId !== undefined && this.metadata !== undefined && partitionOf(this.metadata, topicId, index) !== undefined;
    if (!exists) throw brokerError('UNKNOWN_TOPIC_OR_PARTITION', `This server does not host ${topic}-${index}, and it does not exist.`);
    throw brokerError('NOT_LEADER_OR_FOLLOWER', `Broker ${this.deps.config.nodeId} is not a replica of ${topic}-${index}.`);
  }

  /** Appends a producer's batches as leader and answers by `acks` (-1 waits for the high watermark). */
  async produce(topic: string, index: number, records: Buffer, acks: number, timeoutMs: number): Promise<ProduceResult> {
    const arrivedAtMs = preciseNowMs();
    let partition: Partition;
    let info;
    let minInsyncReplicas: number;
    let logAppendTimeMs = -1;
    try {
      partition = this.hostedOrError(topic, index).partition;
      minInsyncReplicas = this.minInsyncReplicas(topic);
      const metadata = this.metadata;
      const rewrite = metadata === undefined ? {} : batchRewriteFor((k) => effectiveTopicConfig(metadata, topic, k), this.clock.now());
      logAppendTimeMs = rewrite.logAppendTimeMs ?? -1;
      info = partition.appendAsLeader(records, acks, minInsyncReplicas, rewrite);
      this.traffic.produced(topic, records.length, info.recordCount);
    } catch (error) {
      return { error: toQuillError(error), baseOffset: -1, logStartOffset: -1, logAppendTimeMs: -1 };
    }
    const logStartOffset = partition.log.logStartOffset;
    const appendedAtMs = preciseNowMs();
    this.lastAppends.set(partition, appendedAtMs);
    this.latency.observe('produce_append', (appendedAtMs - arrivedAtMs) / 1000);
    if (acks !== -1) return { error: undefined, baseOffset: info.firstOffset, logStartOffset, logAppendTimeMs };
    const outcome = await new Promise<ProduceOutcome>((resolve) => {
      const waiting = new DelayedProduce(partition, partition.leaderEpoch, info.firstOffset, info.lastOffset + 1, minInsyncReplicas, resolve);
      const result = this.producePurgatory.tryCompleteElseWatch(waiting, [partition.key], timeoutMs);
      if (result === 'full') {
        resolve({ error: brokerError('REQUEST_TIMED_OUT', 'too many produce requests are waiting for replication'), baseOffset: -1 });
      } else if (info.batchCount > 0) {
        // Timed only for produces the purgatory holds, so its bound also bounds these waiters.
        partition.log.waitForDurable(info.lastOffset + 1).then(
          () => this.latency.observe('leader_flush', (preciseNowMs() - appendedAtMs) / 1000),
          () => undefined,
        );
      }
    });
    if (outcome.error === undefined) this.latency.observe('replication_wait', (preciseNowMs() - appendedAtMs) / 1000);
    return { ...outcome, logStartOffset, logAppendTimeMs: outcome.error === undefined ? logAppendTimeMs : -1 };
  }

  /**
   * DeleteRecords as the partition's leader: moves its log start offset to `offset` (-1: the high
   * watermark), lets retention remove the segments below it in the background, and answers once
   * the in-sync followers moved theirs too (Kafka's DelayedDeleteRecords), or REQUEST_TIMED_OUT
   * after `timeoutMs`. Returns the low watermark; throws a QuillError (not leader, out of range,
   * policy, timeout) otherwise.
   */
  async deleteRecords(topic: string, index: number, offset: number, timeoutMs: number): Promise<number> {
    const { partition } = this.hostedOrError(topic, index);
    let logStartOffset: number;
    try {
      logStartOffset = partition.deleteRecordsBefore(offset);
    } catch (error) {
      throw toQuillError(error);
    }
    void this.deps.logManager.maintenance.retentionSoon(partition.log);
    const outcome = await new Promise<DeleteRecordsOutcome>((resolve) => {
      const waiting = new DelayedDeleteRecords(partition, partition.leaderEpoch, logStartOffset, resolve);
      const result = this.deleteRecordsPurgatory.tryCompleteElseWatch(waiting, [partition.key], timeoutMs);
      if (result === 'full') resolve({ error: brokerError('REQUEST_TIMED_OUT', 'too many DeleteRecords requests are waiting for replication'), lowWatermark: -1 });
    });
    if (outcome.error !== undefined) throw outcome.error;
    return outcome.lowWatermark;
  }

  /**
   * Waits (long poll) until `ready()` holds, something changes for one of `keys`, or `maxWaitMs`
   * passes; the caller then reads whatever is there.
   */
  waitForData(keys: readonly string[], ready: () => boolean, maxWaitMs: number): Promise<void> {
    if (maxWaitMs <= 0 || ready()) return Promise.resolve();
    return new Promise((resolve) => {
      const result = this.fetchPurgatory.tryCompleteElseWatch(new DelayedFetch(ready, resolve), keys, maxWaitMs);
      if (result === 'full') resolve();
    });
  }

  /** Where `epoch` ends in the leader's log of the partition (OffsetForLeaderEpoch). */
  endOffsetForEpoch(topicId: string, index: number, currentLeaderEpoch: number, epoch: number): EpochEndOffset {
    const hosted = this.byTopicId(topicId, index);
    const partition = hosted.partition;
    if (!partition.isLeader) throw brokerError('NOT_LEADER_OR_FOLLOWER', `${partition.key} is not led here`);
    const fenced = partition.checkLeaderEpoch(currentLeaderEpoch);
    if (fenced !== undefined) throw fenced;
    return partition.endOffsetForEpoch(epoch);
  }

  /** Whether `partition` is still the replica hosted here for its key (not removed or replaced). */
  hosts(partition: Partition): boolean {
    return this.hosted.get(partition.key)?.partition === partition;
  }

  byTopicId(topicId: string, index: number): Hosted {
    const topic = this.metadata === undefined ? undefined : topicById(this.metadata, topicId);
    if (topic === undefined) throw brokerError('UNKNOWN_TOPIC_ID', `Topic id ${topicId} is not known here (yet).`);
    return this.hostedByIdOrError(topicId, topic.name, index);
  }

  /**
   * A replica's log failed (Kafka's offline log dir, per replica here): it stops fetching, stops
   * coordinating, and if it leads it resigns through AlterPartition so that another ISR member
   * leads (see docs/DESIGN.md "Storage failures"). Waiting produces already failed on the change.
   */
  private takeOffline(key: string): void {
    const hosted = this.hosted.get(key);
    if (hosted === undefined) return;
    this.deps.logger.error({ partition: key }, 'replica offline after a storage failure; resigning leadership, no longer following');
    this.deps.fetching.unfollow(key);
    this.notifyLeadership({ topic: hosted.topic, partition: hosted.index, isLeader: false, leaderEpoch: hosted.partition.leaderEpoch });
    this.proposeIsrChange(hosted);
  }

  /**
   * Leaders propose ISR changes (shrinks for lagging followers, expansions for caught-up ones);
   * offline replicas that metadata still names leader propose their resignation, retried here.
   */
  private proposeIsrChanges(): void {
    for (const hosted of this.hosted.values()) this.proposeIsrChange(hosted);
  }

  private proposeIsrChange(hosted: Hosted): void {
    const { partition } = hosted;
    if ((!partition.isLeader && !partition.isOffline) || this.alterInFlight.has(partition.key)) return;
    const change = partition.isrChangeToPropose();
    if (change === undefined) return;
    this.alterInFlight.add(partition.key);
    const request = {
      brokerId: this.deps.config.nodeId,
      brokerEpoch: this.deps.brokerEpoch(),
      topics: [{ topicId: hosted.topicId, partitions: [{ partition: hosted.index, leaderEpoch: partition.leaderEpoch, newIsr: change.isr, partitionEpoch: partition.partitionEpoch }] }],
    };
    this.deps.logger.info({ partition: partition.key, isr: change.isr, removed: change.removed, added: change.added }, 'proposing ISR change');
    this.deps
      .alterPartition(request)
      .then((response) => {
        const result = response.topics[0]?.partitions[0];
        if (response.error !== null && response.error.code !== 'NONE') throw new QuillError(response.error.code, response.error.message);
        if (result === undefined || result.errorCode !== 'NONE') {
          this.deps.logger.warn({ partition: partition.key, error: result?.errorCode, message: result?.errorMessage }, 'ISR change refused');
          // INVALID_REQUEST comes after the partition-epoch check passed: the proposal was not
          // applied and never will be. Other refusals keep it pending (its additions still
          // bound the high watermark) until newer metadata settles it; it is retried meanwhile.
          if (result?.errorCode === 'INVALID_REQUEST') partition.abandonIsrProposal();
          return;
        }
        if (change.removed.length > 0) this.isrChanges.shrinks++;
        if (change.added.length > 0) this.isrChanges.expands++;
        // Older than the partition epoch already applied (metadata overtook it): ignored there. A
        // move completed by this ISR change may have handed the leadership to another replica.
        this.applyAssignment(hosted, {
          leader: result.leaderId,
          leaderEpoch: result.leaderEpoch,
          partitionEpoch: result.partitionEpoch,
          replicas: result.replicas.length > 0 ? result.replicas : partition.replicas,
          isr: result.isr,
        });
        this.changed(partition.key);
      })
      .catch((error: unknown) => this.deps.logger.warn({ partition: partition.key, err: (error as Error).message }, 'ISR change failed'))
      .finally(() => this.alterInFlight.delete(partition.key));
  }

  async stop(): Promise<void> {
    this.isrTimer?.cancel();
    await this.applying;
    this.producePurgatory.expireAll();
    this.fetchPurgatory.expireAll();
    this.deleteRecordsPurgatory.expireAll();
    for (const hosted of this.hosted.values()) {
      this.deps.fetching.unfollow(hosted.partition.key);
      this.deps.logManager.forget(hosted.partition.log);
      await hosted.partition.close();
    }
    this.hosted.clear();
  }

  /** Requests waiting in each purgatory now. */
  purgatorySizes(): { produce: number; fetch: number; deleteRecords: number } {
    return { produce: this.producePurgatory.size, fetch: this.fetchPurgatory.size, deleteRecords: this.deleteRecordsPurgatory.size };
  }

  hostedPartitions(): IterableIterator<Hosted> {
    return this.hosted.values();
  }
}
