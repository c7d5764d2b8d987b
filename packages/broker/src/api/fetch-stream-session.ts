import type { ReplicaFetchPartition__Output, ReplicaFetchRequest__Output, ReplicaFetchResponse } from '@quill/proto';
import type { Partition } from '../replication/partition.js';

interface Told {
  highWatermark: number;
  logStartOffset: number;
}

/** One partition a follower fetches on a stream. */
export interface SessionPartition {
  /** `topicId/partition`. */
  readonly key: string;
  readonly topicId: string;
  /** The fetch state the follower last sent for it. */
  fetch: ReplicaFetchPartition__Output;
  /** The leader's replica it is fetched from (undefined while none is hosted here). */
  partition: Partition | undefined;
  /** What the leader last told the follower about it. */
  told: Told | undefined;
  /** The error the follower was last told for it, while the answer stays that error. */
  toldError: string | undefined;
  /** Ends the change notifications for `partition`. */
  unsubscribe: (() => void) | undefined;
}

/** What the session needs from the replica manager. */
export interface SessionReplicas {
  /** The leader-side replica of a partition, if hosted here. */
  resolve(topicId: string, index: number): Partition | undefined;
  /** Whether `partition` is still the replica hosted for its key. */
  hosts(partition: Partition): boolean;
  /** Change notifications for a replica (appends, high watermark, role, removal). */
  onChange(key: string, listener: () => void): () => void;
}

/**
 * How often a session looks at all its partitions even without news: to keep an idle but
 * caught-up follower in the ISR and to pick up what changes without a notification (a log start
 * moved by retention). At most once a second, and often enough for four visits per
 * replica.lag.time.max.ms (a follower's long poll adds up to replica.fetch.wait.max.ms).
 */
export function sessionFullVisitIntervalMs(replicaLagTimeMaxMs: number): number {
  return Math.max(1, Math.min(1000, Math.floor(replicaLagTimeMaxMs / 4)));
}

type AnsweredPartition = NonNullable<NonNullable<ReplicaFetchResponse['topics']>[number]['partitions']>[number];

/**
 * A leader's state for one follower's ReplicaFetchStream, which serves one fetch at a time: both
 * halves of Kafka's incremental fetch sessions (KIP-227), and which partitions a fetch needs to
 * look at.
 * - Requests: an incremental request names only the partitions whose fetch state changed, and
 *   the session keeps the last state of the others.
 * - Work: a fetch looks at the partitions it named and those that changed since the last fetch
 *   (change notifications from the replicas), and at all of them once a second. With hundreds of
 *   partitions per leader most fetches concern a few.
 * - Answers (`trim`): only partitions with something new (records, a divergence, an error it
 *   was not told yet, or a high watermark or log start the follower has not heard yet); the
 *   follower applies only what an answer names.
 *
 * The state lives as long as the stream (`close` when it ends). A follower that may have missed
 * an answer, or whose set of partitions changed, opens a new stream, which starts from nothing.
 */
export class FetchStreamSession {
  private readonly partitions = new Map<string, SessionPartition>();
  /** Partitions to look at in the next fetch. */
  private readonly dirty = new Set<SessionPartition>();
  private lastFullVisitMs = Number.NEGATIVE_INFINITY;
  private wake: (() => void) | undefined;

  constructor(private readonly replicas: SessionReplicas) {}

  /**
   * Takes in a request, in stream order: a full one replaces the set of partitions, an incremental
   * one updates those it names. Returns the partitions it named.
   */
  update(request: ReplicaFetchRequest__Output): Set<SessionPartition> {
    const named = new Set<SessionPartition>();
    const previous = new Map<string, SessionPartition>();
    if (!request.incremental) {
      for (const [key, entry] of this.partitions) previous.set(key, entry);
      this.partitions.clear();
      this.dirty.clear();
    }
    for (const topic of request.topics) {
      for (const fetch of topic.partitions) {
        const key = `${topic.topicId}/${fetch.partition}`;
        const old = previous.get(key) ?? this.partitions.get(key);
        previous.delete(key);
        const entry: SessionPartition = old ?? { key, topicId: topic.topicId, fetch, partition: undefined, told: undefined, toldError: undefined, unsubscribe: undefined };
        entry.fetch = fetch;
        this.partitions.set(key, entry);
        this.dirty.add(entry);
        named.add(entry);
      }
    }
    for (const gone of previous.values()) gone.unsubscribe?.();
    return named;
  }

  /**
   * The partitions to look at now: those named or changed since the last call, or all of them
   * once per `fullVisitIntervalMs` (`all`).
   */
  takeVisits(nowMs: number, fullVisitIntervalMs: number): { entries: Iterable<SessionPartition>; all: boolean } {
    const all = nowMs - this.lastFullVisitMs >= fullVisitIntervalMs;
    if (all) this.lastFullVisitMs = nowMs;
    const entries = all ? [...this.partitions.values()] : [...this.dirty];
    this.dirty.clear();
    return { entries, all };
  }

  /** The replica to read `entry` from while this broker leads it in the follower's epoch (looked up again once replaced). */
  leaderReplica(entry: SessionPartition): Partition | undefined {
    if (entry.partition === undefined || !this.replicas.hosts(entry.partition)) {
      entry.unsubscribe?.();
      entry.unsubscribe = undefined;
      entry.partition = this.replicas.resolve(entry.topicId, entry.fetch.partition);
      if (entry.partition !== undefined) entry.unsubscribe = this.replicas.onChange(entry.partition.key, () => this.changed(entry));
    }
    const partition = entry.partition;
    // Not led here (or not in this epoch): read, it answers with an error, told once. A change of
    // the replica, or the next full visit, looks at it again.
    if (partition === undefined || !partition.isLeader || partition.leaderEpoch !== entry.fetch.currentLeaderEpoch) return undefined;
    return partition;
  }

  /** Resolves once a partition has records past the follower's log end, a moved log start, or its leadership changed, or after `maxWaitMs`. */
  waitForData(maxWaitMs: number): Promise<void> {
    if ([...this.dirty].some((entry) => this.hasData(entry))) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.release(), maxWaitMs);
      this.wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** The stream ended: no more notifications, and a waiting fetch goes now. */
  close(): void {
    for (const entry of this.partitions.values()) entry.unsubscribe?.();
    this.partitions.clear();
    this.dirty.clear();
    this.release();
  }

  /** Whether the follower already heard this replica's high watermark and log start. */
  static toldCurrent(entry: SessionPartition, partition: Partition): boolean {
    return entry.told !== undefined && entry.told.highWatermark === partition.highWatermark && entry.told.logStartOffset === partition.log.logStartOffset;
  }

  /** Drops from `response` what this follower already knows, and remembers the rest as told. */
  trim(response: ReplicaFetchResponse): ReplicaFetchResponse {
    if (response.topics === undefined) return response;
    const topics: NonNullable<ReplicaFetchResponse['topics']> = [];
    for (const topic of response.topics) {
      const partitions = (topic.partitions ?? []).filter((p) => this.isNews(this.partitions.get(`${topic.topicId}/${p.partition}`), p));
      if (partitions.length > 0) topics.push({ ...topic, partitions });
    }
    return { ...response, topics };
  }

  private changed(entry: SessionPartition): void {
    if (this.partitions.get(entry.key) !== entry) return;
    this.dirty.add(entry);
    // A high watermark alone waits for the next answer; records or a new role answer now.
    if (this.wake !== undefined && this.hasData(entry)) this.release();
  }

  private hasData(entry: SessionPartition): boolean {
    const partition = entry.partition;
    if (partition === undefined || !this.replicas.hosts(partition) || !partition.isLeader) return true;
    // A moved log start (DeleteRecords) answers now: a DeleteRecords waits for the followers to hear it.
    if (entry.told !== undefined && entry.told.logStartOffset < partition.log.logStartOffset) return true;
    // A partition the follower paused (max bytes 0, its replication throttle) takes no records: appends must not end the long poll.
    return entry.fetch.partitionMaxBytes > 0 && partition.log.logEndOffset > entry.fetch.fetchOffset;
  }

  private release(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private isNews(entry: SessionPartition | undefined, answer: AnsweredPartition): boolean {
    const highWatermark = Number(answer.highWatermark ?? -1);
    const logStartOffset = Number(answer.logStartOffset ?? -1);
    if (entry === undefined) return true;
    const errorCode = String(answer.errorCode ?? 'NONE');
    if (errorCode !== 'NONE') {
      // An error is told once: the follower keeps the partition until its metadata moves it, and
      // repeating the error would make every fetch return at once. The state is told afresh after.
      const news = entry.toldError !== errorCode;
      entry.toldError = errorCode;
      entry.told = undefined;
      return news;
    }
    entry.toldError = undefined;
    // A divergence is answered every time (the follower's truncation renames the partition).
    if (answer.divergingEpoch !== undefined && answer.divergingEpoch !== null) {
      entry.told = undefined;
      return true;
    }
    const told = entry.told;
    const news =
      (answer.records?.length ?? 0) > 0 ||
      told === undefined ||
      told.highWatermark !== highWatermark ||
      told.logStartOffset !== logStartOffset;
    if (news) entry.told = { highWatermark, logStartOffset };
    return news;
  }
}
