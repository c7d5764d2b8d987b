import type { ChannelCredentials } from '@grpc/grpc-js';
import { createServiceClient, type ReplicaClient, type ReplicaFetchPartitionResponse__Output } from '@quill/proto';
import type { Logger } from 'pino';
import type { BrokerConfig } from '../config.js';
import { NO_LATENCY_STAGES, preciseNowMs, type LatencyStages } from '../latency/latency-stages.js';
import type { Partition } from '../replication/partition.js';
import type { FollowerFetching } from '../replica-manager/replica-manager.js';
import { FollowerQuota } from '../replication-throttle/follower-quota.js';
import { NO_FOLLOWER_THROTTLE, isMovingIn, type FollowerThrottle } from '../replication-throttle/follower-throttle.js';
import { ReplicaFetchSession } from './fetch-session.js';

interface Followed {
  partition: Partition;
  topicId: string;
  index: number;
}

/**
 * How often a follower compares every followed partition's fetch state with what it last sent,
 * rather than only the partitions answered since (which is where appends and truncations
 * happen): picks up what changes otherwise, such as a log start moved by retention.
 */
const FOLLOWER_FULL_SCAN_INTERVAL_MS = 1000;

/** How often the same partition's failure to apply an answer is logged at warn (the rest at debug). */
const PARTITION_FAILURE_WARN_INTERVAL_MS = 60_000;

/** How long past its long-poll wait a fetch may go unanswered before the stream is dropped. */
const ANSWER_GRACE_MS = 10_000;

/** How to reach another broker (from the metadata). */
export type BrokerAddress = (brokerId: number) => string | undefined;

/** The follower replication throttle every leader's fetcher of a broker shares. */
interface Throttling {
  readonly quota: FollowerQuota;
  current(): FollowerThrottle;
}

/**
 * Follower side of replication: one fetch loop per leader broker, each long-polling the leader
 * for every partition it follows there, over one long-lived ReplicaFetchStream. Both directions
 * are incremental (KIP-227): a request names only the partitions whose fetch state changed since
 * the last one on the stream, an answer only those with news. A partition's fetch carries its log end, last epoch and
 * fsynced offset; the answer is appended, or its divergent tail truncated first. The next fetch
 * waits for the appended data to be durable, so what it reports lets the leader move the high
 * watermark (durable acks).
 *
 * Replicas moving onto this broker (partition reassignment) fetch under the follower replication
 * throttle: over the quota they are paused (named with partition max bytes 0, which keeps them in
 * the leader's session but brings no records) while the other partitions fetch at full speed.
 */
export class ReplicaFetcherManager implements FollowerFetching {
  private readonly fetchers = new Map<number, LeaderFetcher>();
  private readonly leaderOf = new Map<string, number>();
  private throttle = NO_FOLLOWER_THROTTLE;
  private readonly throttling: Throttling;

  constructor(
    private readonly config: BrokerConfig,
    private readonly brokerEpoch: () => number,
    private readonly address: BrokerAddress,
    private readonly logger: Logger,
    private readonly latency: LatencyStages = NO_LATENCY_STAGES,
    /** The credentials of each new channel to a leader (TLS with the broker's certificate on a secure cluster). */
    private readonly credentials: (() => ChannelCredentials) | undefined = undefined,
  ) {
    this.throttling = { quota: new FollowerQuota(config.replicationThrottleBurstMs), current: () => this.throttle };
  }

  /** The throttle the metadata sets now; fetches apply it from their next round. */
  applyThrottle(throttle: FollowerThrottle): void {
    const moving = (t: FollowerThrottle) => [...t.partitions.values()].reduce((n, indexes) => n + indexes.size, 0);
    if (throttle.rateBytesPerSec !== this.throttle.rateBytesPerSec || moving(throttle) !== moving(this.throttle)) {
      this.logger.info({ rateBytesPerSec: throttle.rateBytesPerSec ?? 'unlimited', movingReplicas: moving(throttle) }, 'follower replication throttle');
    }
    this.throttle = throttle;
    this.throttling.quota.setRate(throttle.rateBytesPerSec, performance.now());
  }

  follow(partition: Partition, topicId: string, index: number, leaderId: number): void {
    this.unfollow(partition.key);
    let fetcher = this.fetchers.get(leaderId);
    if (fetcher === undefined) {
      fetcher = new LeaderFetcher(leaderId, this.config, this.brokerEpoch, this.address, this.throttling, this.logger, this.latency, this.credentials);
      this.fetchers.set(leaderId, fetcher);
      fetcher.start();
    }
    fetcher.add({ partition, topicId, index });
    this.leaderOf.set(partition.key, leaderId);
  }

  unfollow(partitionKey: string): void {
    const leaderId = this.leaderOf.get(partitionKey);
    if (leaderId === undefined) return;
    this.leaderOf.delete(partitionKey);
    const fetcher = this.fetchers.get(leaderId);
    fetcher?.remove(partitionKey);
    if (fetcher !== undefined && fetcher.isEmpty) {
      fetcher.stop();
      this.fetchers.delete(leaderId);
    }
  }

  stop(): void {
    for (const fetcher of this.fetchers.values()) fetcher.stop();
    this.fetchers.clear();
    this.leaderOf.clear();
  }
}

/** The fetch state a follower last sent for a partition on the current stream. */
interface SentFetchState {
  currentLeaderEpoch: number;
  fetchOffset: number;
  lastFetchedEpoch: number;
  logStartOffset: number;
  flushedOffset: number;
  /** 0 while the partition is paused by the throttle. */
  partitionMaxBytes: number;
}

class LeaderFetcher {
  private readonly partitions = new Map<string, Followed>();
  /** The followed partitions by topic id and index, rebuilt when the set changes. */
  private byTopic: Map<string, Map<number, Followed>> | undefined;
  /** What the current stream's requests last said per partition: later requests name only changes. */
  private readonly sent = new Map<string, SentFetchState>();
  /** Partitions answered since the last request: their fetch state may have changed. */
  private readonly dirty = new Set<Followed>();
  /** The moving partitions of the last request: named again when they stop moving. */
  private lastMoving: Followed[] = [];
  private lastFullScanMs = Number.NEGATIVE_INFINITY;
  private client: ReplicaClient | undefined;
  private session: ReplicaFetchSession | undefined;
  private clientAddress: string | undefined;
  private running = false;
  /**
   * The leader answers on a stream only what it has not told this follower yet (FetchStreamSession),
   * so after any answer this side may not have applied, the next fetch opens a new stream.
   */
  private resync = false;
  /** When each partition's failure to apply an answer was last logged at warn. */
  private readonly lastFailureWarnMs = new Map<string, number>();

  constructor(
    private readonly leaderId: number,
    private readonly config: BrokerConfig,
    private readonly brokerEpoch: () => number,
    private readonly address: BrokerAddress,
    private readonly throttling: Throttling,
    private readonly logger: Logger,
    private readonly latency: LatencyStages,
    private readonly credentials: (() => ChannelCredentials) | undefined,
  ) {}

  get isEmpty(): boolean {
    return this.partitions.size === 0;
  }

  add(followed: Followed): void {
    this.partitions.set(followed.partition.key, followed);
    this.byTopic = undefined;
    // Answers for its key on the current stream may have been skipped (an earlier follow).
    this.resync = true;
  }

  remove(key: string): void {
    this.partitions.delete(key);
    this.lastFailureWarnMs.delete(key);
    this.byTopic = undefined;
    // The leader's session still fetches it: a new stream starts with the new set.
    this.resync = true;
  }

  start(): void {
    this.running = true;
    void this.loop();
  }

  stop(): void {
    this.running = false;
    this.disconnect();
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const progressed = await this.fetchOnce();
        if (!progressed) await sleep(this.config.replicaFetchBackoffMs);
      } catch (error) {
        // The answer may have been applied only in part.
        this.resync = true;
        this.logger.debug({ leader: this.leaderId, err: (error as Error).message }, 'replica fetch failed');
        await sleep(this.config.replicaFetchBackoffMs);
      }
    }
  }

  /** One fetch round; false when the leader could not be asked or an answer not applied (back off before the next). */
  private async fetchOnce(): Promise<boolean> {
    if (this.resync) {
      this.resync = false;
      this.session?.close();
    }
    const session = this.connect();
    if (session === undefined || this.partitions.size === 0) return false;
    // A new stream starts with every partition; later requests name only what changed (KIP-227):
    // the partitions answered last time, and once per interval all of them (a log start moved by retention).
    const full = !session.isOpen;
    if (full) this.sent.clear();
    const now = performance.now();
    const scanAll = full || now - this.lastFullScanMs >= FOLLOWER_FULL_SCAN_INTERVAL_MS;
    if (scanAll) this.lastFullScanMs = now;
    // Answers are matched against the partitions followed when the fetch went out.
    const followed = (this.byTopic ??= groupByTopic(this.partitions.values()));
    const throttle = this.throttling.current();
    const moving = movingFollowed(throttle, followed);
    const fullMaxBytes = this.config.replicaFetchMaxBytes;
    const movingMaxBytes = moving.length === 0 ? fullMaxBytes : this.throttling.quota.partitionMaxBytes(moving.length, fullMaxBytes, now);
    // Moving partitions are looked at every time: a pause ends by the clock, not by an answer.
    const candidates = scanAll ? this.partitions.values() : new Set([...this.dirty, ...moving, ...this.lastMoving]);
    this.lastMoving = moving;
    const byTopic = new Map<string, Array<SentFetchState & { partition: number }>>();
    for (const { partition, topicId, index } of candidates) {
      const state: SentFetchState = {
        currentLeaderEpoch: partition.leaderEpoch,
        fetchOffset: partition.log.logEndOffset,
        lastFetchedEpoch: partition.lastFetchedEpoch,
        logStartOffset: partition.log.logStartOffset,
        flushedOffset: partition.log.durableEndOffset,
        partitionMaxBytes: isMovingIn(throttle, topicId, index) ? movingMaxBytes : fullMaxBytes,
      };
      const last = this.sent.get(partition.key);
      if (!full && last !== undefined && sameFetchState(last, state)) continue;
      this.sent.set(partition.key, state);
      let partitions = byTopic.get(topicId);
      if (partitions === undefined) byTopic.set(topicId, (partitions = []));
      partitions.push({ partition: index, ...state });
    }
    this.dirty.clear();
    const topics = [...byTopic].map(([topicId, partitions]) => ({ topicId, partitions }));
    const request = {
      replicaId: this.config.nodeId,
      brokerEpoch: this.brokerEpoch(),
      // A paused partition resumes by the clock: the long poll must not outlast its pause.
      maxWaitMs: movingMaxBytes === 0 ? Math.min(this.config.replicaFetchWaitMaxMs, this.throttling.quota.msUntilResume(now)) : this.config.replicaFetchWaitMaxMs,
      minBytes: 1,
      maxBytes: this.config.replicaFetchResponseMaxBytes,
      topics,
      incremental: !full,
    };
    const response = await session.fetch(request, this.config.replicaFetchWaitMaxMs + ANSWER_GRACE_MS);
    if (response.error !== null && response.error.code !== 'NONE') {
      this.logger.debug({ leader: this.leaderId, error: response.error }, 'replica fetch refused');
      // The leader's session may not hold what this request said: start over with a full one.
      this.resync = true;
      return false;
    }
    const durable: Array<Promise<void>> = [];
    let movingBytes = 0;
    let applied = true;
    for (const topic of response.topics) {
      for (const answer of topic.partitions) {
        const target = followed.get(topic.topicId)?.get(answer.partition);
        // Skip answers for partitions unfollowed while the fetch was in flight.
        if (target === undefined || this.partitions.get(target.partition.key) !== target) continue;
        this.dirty.add(target);
        if (isMovingIn(throttle, topic.topicId, answer.partition)) movingBytes += answer.records.length;
        // One partition's answer that cannot be applied must not hold back the others'.
        try {
          const wait = this.handle(target.partition, answer);
          if (wait !== undefined) durable.push(wait);
        } catch (error) {
          applied = false;
          this.partitionFailed(target.partition, error);
        }
      }
    }
    if (movingBytes > 0) this.throttling.quota.record(movingBytes, performance.now());
    // Report only fsynced offsets on the next fetch: the leader counts them toward the high watermark.
    await Promise.all(durable);
    // The leader's session counts the failed answer as delivered: a new stream asks for it again.
    if (!applied) this.resync = true;
    return applied;
  }

  private partitionFailed(partition: Partition, error: unknown): void {
    const now = performance.now();
    const last = this.lastFailureWarnMs.get(partition.key);
    const warn = last === undefined || now - last >= PARTITION_FAILURE_WARN_INTERVAL_MS;
    if (warn) this.lastFailureWarnMs.set(partition.key, now);
    const details = { leader: this.leaderId, partition: partition.key, err: (error as Error).message };
    if (warn) this.logger.warn(details, 'replica fetch answer not applied');
    else this.logger.debug(details, 'replica fetch answer not applied');
  }

  private handle(partition: Partition, answer: ReplicaFetchPartitionResponse__Output): Promise<void> | undefined {
    if (answer.errorCode !== 'NONE') {
      if (answer.errorCode === 'OFFSET_OUT_OF_RANGE' && partition.log.logEndOffset < answer.logStartOffset) {
        // Behind the leader's retention: start over at its log start.
        partition.truncateFullyAndStartAt(answer.logStartOffset);
        return undefined;
      }
      this.logger.debug({ partition: partition.key, error: answer.errorCode, message: answer.errorMessage }, 'replica fetch partition error');
      return undefined;
    }
    if (answer.divergingEpoch !== null && answer.divergingEpoch !== undefined) {
      const end = partition.truncateOnDivergence({ epoch: answer.divergingEpoch.epoch, endOffset: answer.divergingEpoch.endOffset });
      this.logger.info({ partition: partition.key, divergingEpoch: answer.divergingEpoch, logEndOffset: end }, 'truncated a divergent tail');
      return undefined;
    }
    const arrivedAtMs = preciseNowMs();
    partition.appendAsFollower(answer.records, answer.highWatermark, answer.logStartOffset);
    if (answer.records.length === 0) return undefined;
    const appendedAtMs = preciseNowMs();
    this.latency.observe('follower_append', (appendedAtMs - arrivedAtMs) / 1000);
    return partition.log.waitForDurable(partition.log.logEndOffset).then(() => this.latency.observe('follower_flush', (preciseNowMs() - appendedAtMs) / 1000));
  }

  private connect(): ReplicaFetchSession | undefined {
    const address = this.config.peerAddressOverrides?.[this.leaderId] ?? this.address(this.leaderId);
    if (address === undefined) return undefined;
    if (this.session !== undefined && this.clientAddress === address) return this.session;
    this.disconnect();
    this.client = createServiceClient('Replica', address, this.credentials === undefined ? {} : { credentials: this.credentials() });
    this.session = new ReplicaFetchSession(this.client);
    this.clientAddress = address;
    return this.session;
  }

  private disconnect(): void {
    this.session?.close();
    this.session = undefined;
    this.client?.close();
    this.client = undefined;
  }
}

function groupByTopic(followed: Iterable<Followed>): Map<string, Map<number, Followed>> {
  const byTopic = new Map<string, Map<number, Followed>>();
  for (const f of followed) {
    let partitions = byTopic.get(f.topicId);
    if (partitions === undefined) byTopic.set(f.topicId, (partitions = new Map()));
    partitions.set(f.index, f);
  }
  return byTopic;
}

/** The followed partitions that move onto this broker. */
function movingFollowed(throttle: FollowerThrottle, followed: Map<string, Map<number, Followed>>): Followed[] {
  const moving: Followed[] = [];
  for (const [topicId, indexes] of throttle.partitions) {
    const partitions = followed.get(topicId);
    if (partitions === undefined) continue;
    for (const index of indexes) {
      const f = partitions.get(index);
      if (f !== undefined) moving.push(f);
    }
  }
  return moving;
}

function sameFetchState(a: SentFetchState, b: SentFetchState): boolean {
  return (
    a.partitionMaxBytes === b.partitionMaxBytes &&
    a.currentLeaderEpoch === b.currentLeaderEpoch &&
    a.fetchOffset === b.fetchOffset &&
    a.lastFetchedEpoch === b.lastFetchedEpoch &&
    a.logStartOffset === b.logStartOffset &&
    a.flushedOffset === b.flushedOffset
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
