import type { ErrorCode } from '@quill/proto';
import type { PartitionMetadata } from '../cluster/index.js';
import type { TopicPartition } from '../consumer/index.js';
import type { RetryConfig } from '../retry/index.js';

/** A topic to create (KafkaJS's ITopicConfig). */
export interface TopicConfig {
  topic: string;
  /** Default -1: the cluster's `num.partitions`. */
  numPartitions?: number;
  /** Default -1: the cluster's `default.replication.factor`. */
  replicationFactor?: number;
  /** Explicit placement: the brokers of each partition, leader first. Leave numPartitions and replicationFactor unset with it. */
  replicaAssignment?: Array<{ partition: number; replicas: number[] }>;
  /** Topic configs, e.g. `{ name: 'cleanup.policy', value: 'compact' }`. */
  configEntries?: Array<{ name: string; value: string }>;
}

/** The argument of `admin.createTopics`. */
export interface CreateTopicsOptions {
  topics: TopicConfig[];
  /** Check the request without creating anything. Default false. */
  validateOnly?: boolean;
  /** Resolve only once every partition of the new topics has a leader in the metadata. Default true. */
  waitForLeaders?: boolean;
  /** How long the controller may wait for leaders before answering, in ms. Default 5000. */
  timeout?: number;
}

/** The argument of `admin.deleteTopics`. */
export interface DeleteTopicsOptions {
  topics: string[];
  /** In ms. Default 5000. */
  timeout?: number;
}

/** A topic and its partitions, as `fetchTopicMetadata` returns them. */
export interface TopicDescription {
  name: string;
  partitions: PartitionMetadata[];
}

/** The offsets of one partition (KafkaJS's fetchTopicOffsets entry). */
export interface PartitionOffsets {
  partition: number;
  /** The latest offset (the high watermark): where the next message will go. Same as `high`. */
  offset: number;
  high: number;
  /** The log start offset: the first offset still in the log. */
  low: number;
}

/** What `describeCluster` returns. */
export interface ClusterDescription {
  clusterId: string;
  /** The active controller's node id. */
  controller: number;
  brokers: Array<{ nodeId: number; host: string; port: number }>;
}

/** A registered broker as the controller's metadata knows it (`admin.describeBrokers`). */
export interface BrokerState {
  nodeId: number;
  /**
   * fenced: registered but not serving (stopped, not heartbeating, or not caught up with the
   * metadata); shutting down: unfenced and moving its leaderships away (controlled shutdown);
   * running: unfenced and serving.
   */
  state: 'running' | 'fenced' | 'shutting down';
  fenced: boolean;
  /** Set from the broker's controlled shutdown request until it registers again, fenced or not. */
  inControlledShutdown: boolean;
  /** The epoch of the broker's current registration. */
  epoch: number;
  rack: string | null;
  /** The broker's listeners: PLAINTEXT (gRPC, what this SDK dials) and KAFKA (the Kafka protocol) when it has one. */
  endpoints: Array<{ listenerName: string; host: string; port: number }>;
}

/** One replica of the metadata log as the quorum's leader sees it. */
export interface QuorumReplica {
  replicaId: number;
  /** The last metadata log index the leader knows the replica has. */
  logEndOffset: number;
  /** High watermark minus logEndOffset (0 when ahead). */
  lag: number;
  /** Leader's wall clock at the replica's last fetch, -1 never. */
  lastFetchTimestampMs: number;
}

/** The controller quorum (Kafka's describeMetadataQuorum). */
export interface QuorumDescription {
  /** The active controller, -1 while an election runs. */
  leaderId: number;
  term: number;
  highWatermark: number;
  voters: QuorumReplica[];
  /** Brokers following the metadata log. */
  observers: QuorumReplica[];
}

/** The argument of `admin.electLeaders`. */
export interface ElectLeadersOptions {
  /**
   * `preferred`: each partition's preferred replica (the first of its replicas) takes the
   * leadership back if it is in the ISR. `unclean`: a leaderless partition gets a leader even
   * from outside the ISR, which may lose acknowledged writes.
   */
  type: 'preferred' | 'unclean';
  /** Default: every partition (preferred elections only). An empty list elects nothing. */
  partitions?: TopicPartition[];
  /** In ms. Default 5000. */
  timeout?: number;
}

/** What `electLeaders` reports for one partition. */
export interface ElectionResult {
  topic: string;
  partition: number;
  /**
   * NONE when a new leader was elected; else why not: ELECTION_NOT_NEEDED (the preferred replica
   * already leads), PREFERRED_LEADER_NOT_AVAILABLE (it is out of the ISR, fenced or shutting
   * down), ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION.
   */
  errorCode: ErrorCode;
  errorMessage?: string;
}

/** Options of `quill.admin(...)`. */
export interface AdminOptions {
  /** Overrides the client's retry options for this admin client. */
  retry?: RetryConfig;
}
