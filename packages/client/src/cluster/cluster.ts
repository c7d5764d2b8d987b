import { ErrorCode, QuillError, errorMessage } from '@quill/proto';
import type { Random } from '@quill/random';
import type { Logger } from 'pino';
import type { BrokerConnection, ConnectionPool } from '../network/index.js';
import { retry, type RetryOptions, type Sleep } from '../retry/index.js';
import { parseMetadataResponse, type ClusterMetadata, type PartitionMetadata, type TopicMetadata } from './metadata.js';

export interface ClusterOptions {
  /** Bootstrap addresses (`host:port`), tried in order until one answers. */
  brokers: readonly string[];
  pool: ConnectionPool;
  logger: Logger;
  retry: RetryOptions;
  random: Random;
  sleep?: Sleep;
  /** Metadata older than this is refreshed before use, in ms (KafkaJS's `metadataMaxAge`). */
  metadataMaxAgeMs: number;
  /** Ask brokers to create unknown topics that metadata is requested for (if the cluster allows it). */
  allowAutoTopicCreation: boolean;
  /** Milliseconds clock, for metadata age. */
  now?: () => number;
}

/** Where a partition's leader is. */
export interface PartitionLeader {
  nodeId: number;
  leaderEpoch: number;
  address: string;
}

interface Refresh {
  promise: Promise<void>;
  topics: ReadonlySet<string>;
}

/**
 * The client's view of the cluster: bootstrap, a metadata cache for the topics this client
 * uses (its "target topics"), refreshed when asked, when marked stale after an error, and when
 * older than `metadataMaxAgeMs`; and the connection to each partition's leader.
 */
export class Cluster {
  private readonly options: ClusterOptions;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly targetTopics = new Set<string>();
  private metadata: ClusterMetadata | undefined;
  private fetchedAtMs = Number.NEGATIVE_INFINITY;
  private staleReason: string | undefined;
  private refreshing: Refresh | undefined;
  private nextBroker = 0;
  /** Bumped by disconnect(), so a refresh that finishes afterwards is dropped. */
  private connectionEpoch = 0;

  constructor(options: ClusterOptions) {
    if (options.brokers.length === 0) throw new TypeError('brokers must list at least one `host:port` address');
    this.options = options;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  /** True once metadata was fetched (bootstrap succeeded) and until `disconnect()`. */
  get isConnected(): boolean {
    return this.metadata !== undefined;
  }

  /**
   * Bootstraps: asks the addresses in order for metadata until one answers, retrying the
   * whole round with backoff when none does.
   */
  async connect(signal?: AbortSignal): Promise<void> {
    await retry(() => this.refreshMetadata(), this.options.retry, {
      random: this.options.random,
      ...(this.options.sleep ? { sleep: this.options.sleep } : {}),
      ...(signal ? { signal } : {}),
      onRetry: ({ error, delayMs }) => this.logger.warn({ err: error.message, delayMs }, 'bootstrap failed, retrying'),
    });
    this.logger.debug({ brokers: this.brokerIds() }, 'connected to the cluster');
  }

  /** Forgets the metadata and closes every connection. */
  disconnect(): void {
    this.connectionEpoch++;
    this.options.pool.closeAll();
    this.metadata = undefined;
    this.fetchedAtMs = Number.NEGATIVE_INFINITY;
    this.refreshing = undefined;
  }

  /** Adds topics to the ones kept in metadata, and fetches their metadata if any is new. */
  async addTargetTopics(topics: Iterable<string>): Promise<void> {
    let added = false;
    for (const topic of topics) {
      if (!this.targetTopics.has(topic)) {
        this.targetTopics.add(topic);
        added = true;
      }
    }
    if (added) await this.refreshMetadata();
  }

  /** Stops keeping metadata for these topics (after they were deleted, for instance). */
  removeTargetTopics(topics: Iterable<string>): void {
    for (const topic of topics) this.targetTopics.delete(topic);
  }

  /** Makes the next `refreshMetadataIfNecessary()` refresh (after a stale-metadata error). */
  markStale(reason: string): void {
    if (this.staleReason === undefined) this.logger.debug({ reason }, 'metadata marked stale');
    this.staleReason = reason;
  }

  /** True when metadata must be refreshed before use: marked stale, too old, or missing a target topic. */
  isStale(): boolean {
    if (this.staleReason !== undefined || this.metadata === undefined) return true;
    if (this.now() - this.fetchedAtMs >= this.options.metadataMaxAgeMs) return true;
    for (const topic of this.targetTopics) {
      if (this.metadata.topics.get(topic)?.errorCode !== ErrorCode.NONE) return true;
    }
    return false;
  }

  /** Refreshes metadata only when `isStale()`. Call before using leaders and partitions. */
  async refreshMetadataIfNecessary(): Promise<void> {
    if (this.isStale()) await this.refreshMetadata();
  }

  /**
   * Fetches metadata for the target topics from a known broker (or a bootstrap address) and
   * replaces the cache. Concurrent refreshes share one request when it covers their topics.
   */
  async refreshMetadata(): Promise<void> {
    while (this.refreshing) {
      const inFlight = this.refreshing;
      if ([...this.targetTopics].every((topic) => inFlight.topics.has(topic))) return inFlight.promise;
      await inFlight.promise.catch(() => undefined);
    }
    const topics = new Set(this.targetTopics);
    const refresh: Refresh = {
      topics,
      promise: this.doRefresh([...topics]).finally(() => {
        if (this.refreshing === refresh) this.refreshing = undefined;
      }),
    };
    this.refreshing = refresh;
    return refresh.promise;
  }

  private async doRefresh(topics: string[]): Promise<void> {
    const staleReason = this.staleReason;
    const connection = this.connectionEpoch;
    const fresh = await this.requestMetadata(topics);
    if (connection !== this.connectionEpoch) return; // disconnected meanwhile
    const current = this.metadata;
    if (current && fresh.metadataOffset < current.metadataOffset) {
      // A broker that lags the metadata log: keep what we hold, add only topics we lacked, and
      // stay stale so the next refresh asks another broker.
      const topicsMerged = new Map(current.topics);
      for (const [name, topic] of fresh.topics) if (!topicsMerged.has(name)) topicsMerged.set(name, topic);
      this.metadata = { ...current, topics: topicsMerged };
      this.logger.debug(
        { held: current.metadataOffset, received: fresh.metadataOffset },
        'dropped metadata older than the one held',
      );
      return;
    }
    this.metadata = fresh;
    this.fetchedAtMs = this.now();
    // A markStale() that arrived during the request still applies.
    if (this.staleReason === staleReason) this.staleReason = undefined;
  }

  /**
   * One Metadata request, answered by the first reachable broker: known brokers first (rotating),
   * then the bootstrap addresses. `topics` null asks for every topic. Does not touch the cache.
   */
  async requestMetadata(topics: readonly string[] | null): Promise<ClusterMetadata> {
    const request =
      topics === null
        ? { allTopics: true }
        : { topics: [...topics], allowAutoTopicCreation: this.options.allowAutoTopicCreation };
    let lastError: unknown;
    for (const address of this.candidateAddresses()) {
      try {
        const response = await this.options.pool.get(address).request('Metadata', request);
        return parseMetadataResponse(response);
      } catch (error) {
        lastError = error;
        if (!(error instanceof QuillError) || !error.retriable) throw error;
        this.logger.debug({ address, err: error.message }, 'metadata request failed, trying the next broker');
      }
    }
    throw new QuillError(ErrorCode.NETWORK_EXCEPTION, `no broker answered a metadata request (last error: ${errorMessage(lastError)})`, {
      cause: lastError,
    });
  }

  /** Known brokers first, starting at a rotating index, then bootstrap addresses not among them. */
  private candidateAddresses(): string[] {
    const known = this.metadata ? [...this.metadata.brokers.values()].map((b) => b.address) : [];
    const start = known.length > 0 ? this.nextBroker++ % known.length : 0;
    const rotated = [...known.slice(start), ...known.slice(0, start)];
    return [...rotated, ...this.options.brokers.filter((address) => !known.includes(address))];
  }

  /** The cached metadata. Throws when not connected. */
  snapshot(): ClusterMetadata {
    if (!this.metadata) throw new QuillError(ErrorCode.NETWORK_EXCEPTION, 'not connected to the cluster');
    return this.metadata;
  }

  /** Node ids of the known brokers. */
  brokerIds(): number[] {
    return this.metadata ? [...this.metadata.brokers.keys()] : [];
  }

  /**
   * The cached metadata of `topic`. Throws UNKNOWN_TOPIC_OR_PARTITION (retriable: a topic just
   * created may not have reached every broker yet) or the topic's own error.
   */
  topicMetadata(topic: string): TopicMetadata {
    const found = this.snapshot().topics.get(topic);
    if (!found || found.errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
      throw new QuillError(
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        `topic "${topic}" is not in the cluster metadata${found?.errorMessage ? `: ${found.errorMessage}` : ''}`,
      );
    }
    if (found.errorCode !== ErrorCode.NONE) {
      throw new QuillError(found.errorCode, `topic "${topic}": ${found.errorMessage || found.errorCode}`);
    }
    return found;
  }

  /** The partitions of `topic`, sorted by id. Throws like `topicMetadata`. */
  partitionsFor(topic: string): readonly PartitionMetadata[] {
    return this.topicMetadata(topic).partitions;
  }

  /**
   * The leader of a partition. Throws UNKNOWN_TOPIC_OR_PARTITION for an unknown topic or
   * partition, LEADER_NOT_AVAILABLE when it has no leader or its leader is not a live broker.
   */
  leaderFor(topic: string, partition: number): PartitionLeader {
    const metadata = this.topicMetadata(topic).partitions.find((p) => p.partitionId === partition);
    if (!metadata) {
      throw new QuillError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `topic "${topic}" has no partition ${partition}`);
    }
    if (metadata.leader < 0) {
      throw new QuillError(ErrorCode.LEADER_NOT_AVAILABLE, `${topic}-${partition} has no leader right now`);
    }
    const broker = this.snapshot().brokers.get(metadata.leader);
    if (!broker) {
      throw new QuillError(
        ErrorCode.LEADER_NOT_AVAILABLE,
        `${topic}-${partition}'s leader, broker ${metadata.leader}, is not among the live brokers`,
      );
    }
    return { nodeId: broker.nodeId, leaderEpoch: metadata.leaderEpoch, address: broker.address };
  }

  /** The connection to broker `nodeId`. Throws BROKER_NOT_AVAILABLE when it is not a known broker. */
  connectionTo(nodeId: number): BrokerConnection {
    const broker = this.snapshot().brokers.get(nodeId);
    if (!broker) throw new QuillError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${nodeId} is not in the cluster metadata`);
    return this.options.pool.get(broker.address);
  }

  /** A connection to some broker, rotating over the known ones (for calls any broker serves). */
  anyConnection(): BrokerConnection {
    const [address] = this.candidateAddresses();
    // candidateAddresses always holds the bootstrap addresses, which the constructor checked.
    return this.options.pool.get(address!);
  }
}
