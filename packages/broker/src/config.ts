import { DEFAULT_METADATA_FETCH_TIMEOUT_MS } from '@quill/metadata';
import { DEFAULT_TLS_RELOAD_DEBOUNCE_MS, type TlsConfig } from '@quill/security';
import type { FlushPolicy } from '@quill/storage';
import { DEFAULT_KAFKA_SASL_MECHANISMS, type KafkaSaslMechanism } from './kafka-listener/sasl/sasl-mechanisms.js';
import { checkGrpcSecurity } from './config-checks/grpc-security-checks.js';

export interface HostPort {
  host: string;
  port: number;
}

/** A broker's settings. Names follow Kafka's broker configs; defaults are documented where ours differ. */
export interface BrokerConfig {
  nodeId: number;
  clusterId: string;
  /** Where the gRPC server binds. */
  listen: HostPort;
  /** What clients and other brokers are told to connect to (defaults to `listen`). */
  advertised?: HostPort;
  /** Controller addresses, host:port. */
  controllers: readonly string[];
  dataDir: string;
  rack?: string;
  /** broker.heartbeat.interval.ms (Kafka: 2000; ours is fast so the session timeout can be short). */
  heartbeatIntervalMs: number;
  /**
   * controller.quorum.fetch.timeout.ms (Kafka: 2000): a metadata stream silent this long is left
   * for another controller (the active one sends a keepalive when idle; a paused one sends nothing).
   */
  metadataFetchTimeoutMs: number;
  /** replica.lag.time.max.ms (Kafka: 30000; ours drops a stalled follower sooner). */
  replicaLagTimeMaxMs: number;
  /** replica.fetch.wait.max.ms */
  replicaFetchWaitMaxMs: number;
  /** replica.fetch.max.bytes: per partition. */
  replicaFetchMaxBytes: number;
  /** replica.fetch.response.max.bytes */
  replicaFetchResponseMaxBytes: number;
  /** replica.fetch.backoff.ms (Kafka: 1000). */
  replicaFetchBackoffMs: number;
  /**
   * The share of follower.replication.throttled.rate, in ms of it, that a throttled fetch may ask
   * for (and that the throttle saves up while idle): bounds how far one answer overshoots the rate.
   */
  replicationThrottleBurstMs: number;
  /** Delayed produces and fetches waiting at once, each (bounds the purgatories). */
  purgatoryMaxOperations: number;
  /** auto.create.topics.enable (off, so a mistyped topic name fails instead of creating a topic; Kafka's default is on). */
  autoCreateTopicsEnable: boolean;
  /** num.partitions / default.replication.factor for auto-created topics. */
  numPartitions: number;
  defaultReplicationFactor: number;
  /** min.insync.replicas unless the topic sets it. */
  minInsyncReplicas: number;
  /** Defaults for every log unless the topic overrides them. */
  flushPolicy: FlushPolicy;
  /** log.retention.check.interval.ms */
  retentionCheckIntervalMs: number;
  /**
   * initial.broker.registration.timeout.ms (Kafka's, same default): how long a starting broker
   * keeps trying to register while no active controller answers or the controller refuses for now
   * (a quorum still electing after the whole cluster restarted), before it gives up and exits.
   */
  initialBrokerRegistrationTimeoutMs: number;
  /** How long a controlled shutdown may take before the broker stops anyway. */
  controlledShutdownTimeoutMs: number;
  /**
   * How long a controlled shutdown keeps asking while no active controller answers (ours; Kafka
   * has no such bound). Without a controller quorum, as when a whole cluster stops at once,
   * nothing can move the leaderships, so the broker stops rather than wait out
   * controlledShutdownTimeoutMs; its partitions then fail over as after a crash. The default
   * leaves room for a controller election on a loaded machine (up to 1.5 s measured, plus a
   * heartbeat attempt).
   */
  controlledShutdownNoControllerMs: number;
  /** group.min.session.timeout.ms (Kafka: 6000; ours admits short sessions so a dead consumer's partitions move fast). */
  groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  groupMaxSessionTimeoutMs: number;
  /**
   * group.initial.rebalance.delay.ms: how long a group starting from empty waits for more
   * members before its first generation (Kafka: 3000; ours is short so a fresh group forms in
   * well under a second, at the cost of an extra rebalance when members trickle in slowly).
   */
  groupInitialRebalanceDelayMs: number;
  /** group.max.size (Kafka: unbounded; ours bounds a group's memory). */
  groupMaxSize: number;
  /**
   * group.heartbeat.max.wait.ms: the longest a long-poll heartbeat (HeartbeatRequest.max_wait_ms)
   * is held waiting for a rebalance; never more than a third of the member's session either.
   * Kafka has no long-poll heartbeat (its members learn of a rebalance at their next heartbeat).
   */
  groupHeartbeatMaxWaitMs: number;
  /** group.heartbeat.parked.max.per.group: heartbeats held at once for one group; beyond it they are answered at once. */
  groupHeartbeatParkedMaxPerGroup: number;
  /** group.heartbeat.parked.max: heartbeats held at once by this broker; beyond it they are answered at once. */
  groupHeartbeatParkedMax: number;
  /** offsets.topic.num.partitions: partitions of __consumer_offsets, fixed at its creation. */
  offsetsTopicNumPartitions: number;
  /** offsets.topic.replication.factor (capped by the live brokers when the topic is created). */
  offsetsTopicReplicationFactor: number;
  /** offsets.commit.timeout.ms: how long a commit or group write waits for replication. */
  offsetsCommitTimeoutMs: number;
  /** offset.metadata.max.bytes */
  offsetMetadataMaxBytes: number;
  /** offsets.retention.minutes: committed offsets of an Empty group expire this long after it became empty. */
  offsetsRetentionMinutes: number;
  /** offsets.retention.check.interval.ms: how often each coordinator partition looks for expired offsets. */
  offsetsRetentionCheckIntervalMs: number;
  /** offsets.load.buffer.size: bytes read per step when loading a coordinator partition. */
  offsetsLoadBufferSize: number;
  /**
   * queued.max.requests, per stream: requests read from one ProduceStream or FetchStream and not
   * answered yet. Beyond it the broker stops reading that stream until answers go out, so HTTP/2
   * flow control holds the client back (Kafka: 500 for the whole broker).
   */
  queuedMaxRequestsPerStream: number;
  /**
   * HTTP/2 keepalive of the broker's server: a PING after this long without traffic on a
   * connection, and the connection closed if no answer comes within `serverKeepaliveTimeoutMs`.
   * A peer that vanished without closing (power loss, a cut cable) would otherwise hold its
   * streams, and a follower's fetch session with its change listeners, until TCP gives up (hours).
   */
  serverKeepaliveTimeMs: number;
  serverKeepaliveTimeoutMs: number;
  /**
   * security.protocol of the gRPC port (clients, the CLI and replication): PLAINTEXT, or SSL with
   * the files of `ssl`; SASL_SSL adds SASL (SASL_PLAINTEXT is refused: replication would go
   * unauthenticated, see checkGrpcSecurity). The broker calls other nodes (replica
   * fetches, the controllers) with the same protocol, showing the certificate of `ssl` as its own.
   */
  securityProtocol: KafkaSecurityProtocol;
  /** ssl.* of the gRPC port, and the broker's client certificate when it calls other nodes. */
  ssl?: TlsConfig;
  /**
   * sasl.session.lifetime.ms (ours, with the meaning of Kafka's connections.max.reauth.ms): how long
   * a session token from the gRPC port's Authenticate is valid; clients authenticate again before
   * it ends, and a user deleted meanwhile loses its tokens at once. Kafka's 0 (never re-authenticate)
   * has no equivalent: a token always expires.
   */
  saslSessionLifetimeMs: number;
  /** Session tokens a broker holds at most; past it the oldest is forgotten (its client authenticates again). */
  saslMaxSessions: number;
  /**
   * SASL handshakes in progress on the gRPC port at most (ours): they need no login, so they get a
   * table of their own, and a full one refuses new handshakes (retriable) rather than evict others.
   */
  saslMaxHandshakes: number;
  /** Where the Kafka wire-protocol listener binds; no Kafka listener when absent. */
  kafkaListen?: HostPort;
  /** Where the HTTP server for /metrics, /healthz and /readyz binds; none when absent. */
  metricsListen?: HostPort;
  /** What Kafka clients are told to connect to (defaults to `kafkaListen` with its bound port). */
  kafkaAdvertised?: HostPort;
  /**
   * The Kafka listener's entry in listener.security.protocol.map: PLAINTEXT, or SSL with the
   * files of `kafkaSsl` (Kafka's listener.name.<name>.ssl.* settings); SASL_PLAINTEXT and
   * SASL_SSL add SASL authentication against the SCRAM credentials in the metadata.
   */
  kafkaSecurityProtocol: KafkaSecurityProtocol;
  kafkaSsl?: TlsConfig;
  /** sasl.enabled.mechanisms of the Kafka listener under SASL_PLAINTEXT or SASL_SSL. */
  kafkaSaslEnabledMechanisms: readonly KafkaSaslMechanism[];
  /** connection.failed.authentication.delay.ms (Kafka's default): a failed authentication is answered this late. */
  kafkaFailedAuthenticationDelayMs: number;
  /** A Kafka connection on a SASL listener not authenticated this long after it opened is closed (ours). */
  kafkaSaslAuthenticationTimeoutMs: number;
  /** How often failed authentications from one client host are logged (ours: once a minute). */
  kafkaAuthenticationFailureLogIntervalMs: number;
  /**
   * Whether the Kafka listener checks each request against the ACLs in the metadata (Kafka's
   * authorizer.class.name set), and, on a TLS gRPC port, node-only RPCs (replica fetches) need
   * CLUSTER_ACTION on the cluster. Off by default: every request is served as before.
   */
  authorizerEnabled: boolean;
  /** super.users: principals (User:<name>) allowed everything when the authorizer is on. */
  superUsers: readonly string[];
  /** allow.everyone.if.no.acl.found (Kafka's default false): a resource without any ACL is open to all. */
  allowEveryoneIfNoAclFound: boolean;
  /** How long changes to TLS files settle before they are read again (ours; Kafka reloads them on a config change). */
  sslReloadDebounceMs: number;
  /** socket.request.max.bytes (Kafka's default): a larger Kafka request frame closes its connection. */
  kafkaSocketRequestMaxBytes: number;
  /** connections.max.idle.ms (Kafka's default): a Kafka connection silent this long is closed. */
  kafkaConnectionsMaxIdleMs: number;
  /**
   * queued.max.requests, per Kafka connection (Kafka: 500 for the whole broker): requests read and
   * not answered yet; at the bound the broker stops reading that socket until answers go out.
   */
  kafkaQueuedMaxRequests: number;
  /**
   * max.connections on the Kafka listener (Kafka: unbounded). Ours bounds memory and file
   * descriptors; beyond it a new connection is closed at once.
   */
  kafkaMaxConnections: number;
  /** How often the same kind of warning about one Kafka client address is logged (ours). */
  kafkaWarningIntervalMs: number;
  /**
   * For tests only: the `host:port` to dial for node id N (a broker leading partitions this broker
   * follows, or a controller named in a leader hint), in place of the address the metadata or the
   * hint carries. A fault-injecting proxy gives every node-to-node link its own port this way, so a
   * test can cut the link from this broker to one peer without touching the others.
   */
  peerAddressOverrides?: Readonly<Record<number, string>>;
}

export const KAFKA_SECURITY_PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
export type KafkaSecurityProtocol = (typeof KAFKA_SECURITY_PROTOCOLS)[number];
/** The protocols a broker's gRPC port takes: not SASL_PLAINTEXT (see checkGrpcSecurity). */
export const BROKER_GRPC_SECURITY_PROTOCOLS: readonly KafkaSecurityProtocol[] = ['PLAINTEXT', 'SSL', 'SASL_SSL'];

export const DEFAULT_BROKER_CONFIG = {
  heartbeatIntervalMs: 150,
  metadataFetchTimeoutMs: DEFAULT_METADATA_FETCH_TIMEOUT_MS,
  replicaLagTimeMaxMs: 10_000,
  replicaFetchWaitMaxMs: 500,
  replicaFetchMaxBytes: 8 * 1024 * 1024,
  replicaFetchResponseMaxBytes: 32 * 1024 * 1024,
  replicaFetchBackoffMs: 100,
  replicationThrottleBurstMs: 100,
  purgatoryMaxOperations: 100_000,
  autoCreateTopicsEnable: false,
  numPartitions: 1,
  defaultReplicationFactor: 1,
  minInsyncReplicas: 1,
  flushPolicy: 'group-commit',
  retentionCheckIntervalMs: 5 * 60 * 1000,
  initialBrokerRegistrationTimeoutMs: 60_000,
  controlledShutdownTimeoutMs: 30_000,
  controlledShutdownNoControllerMs: 5_000,
  groupMinSessionTimeoutMs: 1000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 100,
  groupMaxSize: 1000,
  groupHeartbeatMaxWaitMs: 10_000,
  groupHeartbeatParkedMaxPerGroup: 1000,
  groupHeartbeatParkedMax: 10_000,
  offsetsTopicNumPartitions: 50,
  offsetsTopicReplicationFactor: 3,
  offsetsCommitTimeoutMs: 5000,
  offsetMetadataMaxBytes: 4096,
  offsetsRetentionMinutes: 10_080,
  offsetsRetentionCheckIntervalMs: 600_000,
  offsetsLoadBufferSize: 5 * 1024 * 1024,
  queuedMaxRequestsPerStream: 100,
  serverKeepaliveTimeMs: 30_000,
  serverKeepaliveTimeoutMs: 10_000,
  kafkaSocketRequestMaxBytes: 104_857_600,
  kafkaConnectionsMaxIdleMs: 600_000,
  kafkaQueuedMaxRequests: 500,
  kafkaMaxConnections: 10_000,
  kafkaWarningIntervalMs: 10_000,
  kafkaSecurityProtocol: 'PLAINTEXT',
  securityProtocol: 'PLAINTEXT',
  saslSessionLifetimeMs: 3_600_000,
  saslMaxSessions: 100_000,
  saslMaxHandshakes: 1_000,
  kafkaSaslEnabledMechanisms: DEFAULT_KAFKA_SASL_MECHANISMS,
  kafkaFailedAuthenticationDelayMs: 100,
  kafkaSaslAuthenticationTimeoutMs: 10_000,
  kafkaAuthenticationFailureLogIntervalMs: 60_000,
  authorizerEnabled: false,
  superUsers: [],
  allowEveryoneIfNoAclFound: false,
  sslReloadDebounceMs: DEFAULT_TLS_RELOAD_DEBOUNCE_MS,
} as const satisfies Partial<BrokerConfig>;

export type BrokerConfigInput = Omit<BrokerConfig, keyof typeof DEFAULT_BROKER_CONFIG> & Partial<BrokerConfig>;

export function resolveBrokerConfig(input: BrokerConfigInput): BrokerConfig {
  const config = { ...DEFAULT_BROKER_CONFIG, ...input } as BrokerConfig;
  checkGrpcSecurity(config);
  return config;
}
