import { QuillError } from '@quill/proto';
import { DEFAULT_TLS_RELOAD_DEBOUNCE_MS, type TlsConfig } from '@quill/security';
import type { Logger } from 'pino';
import { DEFAULT_TOPIC_CREATION_POLICY, type TopicCreationPolicy } from './decisions/create-topics.js';

export interface HostPort {
  host: string;
  port: number;
}

/** A controller's settings. Names follow Kafka's controller configs where it has one; defaults say where ours differ. */
export interface ControllerConfig {
  nodeId: number;
  clusterId: string;
  /** Where this node's gRPC server binds; its advertised address is its entry in `voters`. */
  listen: HostPort;
  /** Where the HTTP server for /metrics, /healthz and /readyz binds; none when absent. */
  metricsListen?: HostPort;
  /** controller.quorum.voters: every voter (this node included) and its address. */
  voters: ReadonlyMap<number, HostPort>;
  dataDir: string;
  logger: Logger;
  /** Wall-clock length of a Raft tick, the unit of the two settings below (Kafka's KRaft times in ms). */
  raftTickMs: number;
  /**
   * controller.quorum.election.timeout.ms in ticks: a follower that hears no leader for a random
   * [n, 2n) ticks campaigns (Kafka: 1000 ms plus up to controller.quorum.election.backoff.max.ms;
   * ours is 200-400 ms so a dead controller is replaced fast).
   */
  electionTicks: number;
  /**
   * Ticks between the leader's heartbeats: five per shortest election timeout (Kafka's followers
   * fetch instead, every controller.quorum.fetch.timeout.ms at most). Each is a gRPC call to every
   * follower, the largest part of an idle quorum's CPU at 1 tick.
   */
  heartbeatTicks: number;
  /** broker.session.timeout.ms: fence a broker silent this long (Kafka: 9000; ours fences fast so its partitions fail over fast, brokers heartbeat every 150 ms). */
  brokerSessionTimeoutMs: number;
  /**
   * metadata.max.idle.interval.ms (Kafka's, same default): longest an open metadata stream stays
   * silent; an idle one gets a keepalive, so a follower tells a live controller from a stopped one.
   */
  metadataMaxIdleIntervalMs: number;
  /**
   * Entries applied between snapshots, then the log is compacted (Kafka counts bytes instead:
   * metadata.log.max.record.bytes.between.snapshots, 20 MiB).
   */
  snapshotAfterEntries: number;
  /** Requests waiting for a decision at once; beyond it they fail fast, retriable (Kafka's controller queue is unbounded). */
  maxQueuedDecisions: number;
  /** How long a decision may wait for a new leader to catch up, or for its records to commit. */
  decisionTimeoutMs: number;
  /** num.partitions, default.replication.factor and the partition cap for topics created here. */
  topicPolicy: TopicCreationPolicy;
  /** auto.leader.rebalance.enable: the active controller gives leaderships back to preferred replicas by itself. */
  autoLeaderRebalanceEnable: boolean;
  /**
   * leader.imbalance.check.interval.seconds, in ms: how often the active controller checks the
   * leader balance (Kafka: 300 s; ours is deliberately 10 s, so leaders return soon after a restart).
   */
  leaderImbalanceCheckIntervalMs: number;
  /** leader.imbalance.per.broker.percentage (Kafka's, same default): when others lead more than this share of the partitions a broker is preferred for, they go back to it. */
  leaderImbalancePerBrokerPercentage: number;
  /** Seeds election jitter; defaults to one derived from the node id and the clock. */
  seed?: number;
  /**
   * security.protocol of the controller's port (Raft and the broker-facing Controller service):
   * PLAINTEXT, or SSL with the files of `ssl`, which are also the controller's client certificate
   * when it calls the other voters.
   */
  securityProtocol: ControllerSecurityProtocol;
  ssl?: TlsConfig;
  /** How long changes to TLS files settle before they are read again (ours). */
  sslReloadDebounceMs: number;
  /**
   * authorizer.class.name set: on an SSL port, node-only RPCs (broker registration, heartbeats,
   * AlterPartition, the metadata stream, Raft) need CLUSTER_ACTION on the cluster under the ACLs.
   */
  authorizerEnabled: boolean;
  /** super.users: principals (User:<name>) allowed everything when the authorizer is on; list node principals here. */
  superUsers: readonly string[];
  /** allow.everyone.if.no.acl.found (Kafka's default false). */
  allowEveryoneIfNoAclFound: boolean;
}

/** A controller's port takes no SASL (only nodes call it). */
export const CONTROLLER_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL'] as const;
export type ControllerSecurityProtocol = (typeof CONTROLLER_SECURITY_PROTOCOLS)[number];

export const DEFAULT_CONTROLLER_CONFIG = {
  raftTickMs: 20,
  electionTicks: 10,
  heartbeatTicks: 2,
  brokerSessionTimeoutMs: 750,
  metadataMaxIdleIntervalMs: 500,
  snapshotAfterEntries: 10_000,
  maxQueuedDecisions: 10_000,
  decisionTimeoutMs: 10_000,
  topicPolicy: DEFAULT_TOPIC_CREATION_POLICY,
  autoLeaderRebalanceEnable: true,
  leaderImbalanceCheckIntervalMs: 10_000,
  leaderImbalancePerBrokerPercentage: 10,
  securityProtocol: 'PLAINTEXT',
  sslReloadDebounceMs: DEFAULT_TLS_RELOAD_DEBOUNCE_MS,
  authorizerEnabled: false,
  superUsers: [],
  allowEveryoneIfNoAclFound: false,
} as const satisfies Partial<ControllerConfig>;

export type ControllerConfigInput = Omit<ControllerConfig, keyof typeof DEFAULT_CONTROLLER_CONFIG> & Partial<ControllerConfig>;

export function resolveControllerConfig(input: ControllerConfigInput): ControllerConfig {
  const config = { ...DEFAULT_CONTROLLER_CONFIG, ...input } as ControllerConfig;
  if (!(config.leaderImbalanceCheckIntervalMs > 0)) {
    throw new QuillError('INVALID_CONFIG', `leader.imbalance.check.interval must be positive, got ${config.leaderImbalanceCheckIntervalMs} ms.`);
  }
  const percentage = config.leaderImbalancePerBrokerPercentage;
  if (!(percentage >= 0 && percentage <= 100)) {
    throw new QuillError('INVALID_CONFIG', `leader.imbalance.per.broker.percentage must be between 0 and 100, got ${percentage}.`);
  }
  return config;
}
