import { Server } from '@grpc/grpc-js';
import { ControllerClient, MetadataFollower, brokerEndpoint, checkNodeIdentity, topicByName, type MetadataState } from '@quill/metadata';
import {
  GRPC_CHANNEL_OPTIONS,
  QuillError,
  bindServer,
  loadQuillPackage,
  type AllocateProducerIdsResponse__Output,
  type BrokerHandlers,
  type ReplicaHandlers,
} from '@quill/proto';
import { systemClock } from '@quill/clock';
import { ApiKeys } from '@quill/kafka-protocol';
import { startNodeGrpcTls, type NodeGrpcTls } from '@quill/security';
import { READY, addGrpcHealth, grpcConnectionCounter, notReady, sharedProcessRegistry, startMetricsServer, type GrpcHealth, type MetricsServer, type Readiness } from '@quill/metrics';
import type { Logger } from 'pino';
import { brokerHandlers } from './api/broker-service.js';
import { groupHandlers } from './api/group-service.js';
import { nodeAccessInterceptors } from './api/node-access.js';
import { grpcSecurity } from './api/auth/grpc-security.js';
import { securedBrokerHandlers } from './api/auth/secured-handlers.js';
import { replicaHandlers } from './api/replica-service.js';
import { sessionFullVisitIntervalMs } from './api/fetch-stream-session.js';
import { resolveBrokerConfig, type BrokerConfig, type BrokerConfigInput } from './config.js';
import { GroupCoordinator } from './group-coordinator/group-coordinator.js';
import { BrokerLifecycle } from './lifecycle/broker-lifecycle.js';
import { startKafkaListener } from './kafka-listener/start-kafka-listener.js';
import type { KafkaListener } from './kafka-listener/kafka-listener.js';
import { LogManager } from './log-manager/log-manager.js';
import { ProducerIdManager } from './producer-state/producer-id-manager.js';
import { ReplicaFetcherManager } from './replica-fetcher/replica-fetcher.js';
import { followerThrottleOf } from './replication-throttle/follower-throttle.js';
import { ReplicaManager } from './replica-manager/replica-manager.js';
import type { LatencyStages } from './latency/latency-stages.js';
import { BrokerMetrics } from './metrics/broker-metrics.js';
import { REMOTE_HIGH_WATERMARK_TIMEOUT_MS, RemoteHighWatermarks } from './metrics/remote-high-watermarks.js';
import { replicaViews } from './metrics/replica-views.js';
import { timedGrpcHandlers } from './metrics/timed-handlers.js';

/** Kafka API names by key, for the request metrics' `api` label. */
const KAFKA_API_NAMES = new Map<number, string>(Object.entries(ApiKeys).map(([name, key]) => [key, name]));

/**
 * One broker: registers with the controller quorum, follows the metadata log, hosts its replicas
 * (leader or follower as metadata says) and serves the Broker and Replica gRPC services.
 */
export class BrokerNode {
  private constructor(
    readonly config: BrokerConfig,
    readonly port: number,
    private readonly server: Server,
    private readonly controller: ControllerClient,
    private readonly follower: MetadataFollower,
    private readonly lifecycle: BrokerLifecycle,
    readonly replicas: ReplicaManager,
    private readonly fetchers: ReplicaFetcherManager,
    private readonly logs: LogManager,
    private readonly logger: Logger,
    private readonly groups: GroupCoordinator,
    /** The Kafka wire-protocol listener, when the broker has `kafkaListen`. */
    readonly kafkaListener: KafkaListener | undefined,
    readonly metrics: BrokerMetrics,
    /** The HTTP server for /metrics, /healthz and /readyz, when the broker has `metricsListen`. */
    readonly metricsServer: MetricsServer | undefined,
    /** Registered, unfenced, and acting on a caught-up metadata log (what /readyz answers). */
    readonly readiness: () => Readiness,
    private readonly health: GrpcHealth,
    private readonly remoteHighWatermarks: RemoteHighWatermarks,
    private readonly grpcTls: NodeGrpcTls,
  ) {}

  static async start(input: BrokerConfigInput & { logger: Logger }): Promise<BrokerNode> {
    const config = resolveBrokerConfig(input);
    const logger = input.logger.child({ nodeId: config.nodeId, role: 'broker' });
    checkNodeIdentity(config.dataDir, config.clusterId, config.nodeId);
    const grpcTls = await startNodeGrpcTls({ securityProtocol: config.securityProtocol, ssl: config.ssl, reloadDebounceMs: config.sslReloadDebounceMs, logger });
    const controller = new ControllerClient({
      controllers: config.controllers,
      timeoutMs: 10_000,
      credentials: grpcTls.channelCredentials,
      ...(config.peerAddressOverrides === undefined ? {} : { leaderAddressOverrides: config.peerAddressOverrides }),
    });
    // Created below, once the replicas it reads exist; flush rounds before that go unrecorded.
    let metrics: BrokerMetrics | undefined;
    const logs = new LogManager(config.dataDir, logger, config.retentionCheckIntervalMs, (seconds, _logs, queuedSeconds) => metrics?.observeFlush(seconds, queuedSeconds));
    const latency: LatencyStages = { observe: (stage, seconds) => metrics?.observe(stage, seconds) };
    let state: MetadataState | undefined;
    let caughtUp = false;
    let lifecycle: BrokerLifecycle | undefined;
    const fetchers = new ReplicaFetcherManager(
      config,
      () => lifecycle?.brokerEpoch ?? -1,
      (brokerId) => {
        const endpoint = state === undefined ? undefined : brokerEndpoint(state, brokerId);
        return endpoint === undefined ? undefined : `${endpoint.host}:${endpoint.port}`;
      },
      logger,
      latency,
      grpcTls.channelCredentials,
    );
    const replicas = new ReplicaManager({
      latency,
      config,
      logManager: logs,
      logger,
      fetching: fetchers,
      brokerEpoch: () => lifecycle?.brokerEpoch ?? -1,
      alterPartition: (request) => controller.call('AlterPartition', request),
    });

    const groups = new GroupCoordinator({ config, replicas, createTopics: (request) => controller.call('CreateTopics', request), logger });
    groups.start();

    const readiness = (): Readiness => brokerReadiness(lifecycle, caughtUp);
    const pkg = loadQuillPackage();
    const security = grpcSecurity(config, () => replicas.state, systemClock, logger);
    const server = new Server({
      'grpc.max_send_message_length': GRPC_CHANNEL_OPTIONS['grpc.max_send_message_length'],
      'grpc.max_receive_message_length': GRPC_CHANNEL_OPTIONS['grpc.max_receive_message_length'],
      'grpc.keepalive_time_ms': config.serverKeepaliveTimeMs,
      'grpc.keepalive_timeout_ms': config.serverKeepaliveTimeoutMs,
      interceptors: nodeAccessInterceptors(config, grpcTls.secure, () => replicas.state),
    });
    const producerIds = new ProducerIdManager(async () => {
      const response = await controller.call<AllocateProducerIdsResponse__Output>('AllocateProducerIds', { brokerId: config.nodeId, brokerEpoch: lifecycle?.brokerEpoch ?? -1 });
      if (response.error !== null && response.error.code !== 'NONE') throw new QuillError(response.error.code, response.error.message);
      return { start: response.producerIdStart, length: response.producerIdLen };
    });
    let kafkaListener: KafkaListener | undefined;
    const grpcConnections = grpcConnectionCounter(server);
    const remoteHighWatermarks = new RemoteHighWatermarks((topic, partition) => {
      if (state === undefined) return undefined;
      const leader = topicByName(state, topic)?.partitions.get(partition)?.leader ?? -1;
      const endpoint = leader < 0 || leader === config.nodeId ? undefined : brokerEndpoint(state, leader);
      return endpoint === undefined ? undefined : `${endpoint.host}:${endpoint.port}`;
    }, REMOTE_HIGH_WATERMARK_TIMEOUT_MS, grpcTls.channelCredentials);
    metrics = new BrokerMetrics({
      replicas: () => replicaViews(replicas.hostedPartitions()),
      metadata: () => state,
      groups: () => groups.loadedGroups(),
      purgatorySizes: () => replicas.purgatorySizes(),
      connections: async () => ({ grpc: await grpcConnections(), ...(kafkaListener === undefined ? {} : { kafka: kafkaListener.connectionCount }) }),
      isrChanges: () => replicas.isrChanges,
      traffic: () => replicas.traffic.entries(),
      remoteHighWatermarks: (partitions) => remoteHighWatermarks.fetch(partitions),
    });
    const brokerMetrics = metrics;
    const observe = {
      request: (api: string, listener: 'grpc' | 'kafka', seconds: number): void => brokerMetrics.observeRequest(api, listener, seconds),
      stream: (api: string, delta: 1 | -1): void => (delta > 0 ? brokerMetrics.streamOpened(api) : brokerMetrics.streamClosed(api)),
    };
    const brokerContext = { config, replicas, controller, producerIds, logger };
    server.addService(pkg.quill.v1.Broker.service, timedGrpcHandlers(securedBrokerHandlers({ ...brokerHandlers(brokerContext), ...groupHandlers(groups) }, security), observe) as BrokerHandlers);
    server.addService(pkg.quill.v1.Replica.service, timedGrpcHandlers(replicaHandlers(replicas, sessionFullVisitIntervalMs(config.replicaLagTimeMaxMs)), observe) as ReplicaHandlers);
    const health = addGrpcHealth(server, ['quill.v1.Broker', 'quill.v1.Replica'], readiness, systemClock);
    let port: number;
    let metricsServer: MetricsServer | undefined;
    try {
      port = await bindServer(server, config.listen, grpcTls.serverCredentials);
      kafkaListener =
        config.kafkaListen === undefined
          ? undefined
          : await startKafkaListener(config, config.kafkaListen, systemClock, logger, { broker: brokerContext, groups }, (apiKey, seconds) =>
              observe.request(KAFKA_API_NAMES.get(apiKey) ?? String(apiKey), 'kafka', seconds),
            );
      metricsServer =
        config.metricsListen === undefined
          ? undefined
          : await startMetricsServer({ ...config.metricsListen, registries: [brokerMetrics.registry, sharedProcessRegistry()], readiness: () => readiness(), logger });
    } catch (error) {
      // The TLS file watchers and listeners would otherwise outlive a broker that never started.
      await kafkaListener?.close();
      health.stop();
      server.forceShutdown();
      grpcTls.close();
      throw error;
    }
    const advertised = config.advertised ?? { host: config.listen.host, port };
    const kafkaAdvertised = kafkaListener === undefined ? undefined : (config.kafkaAdvertised ?? { host: config.kafkaListen!.host, port: kafkaListener.port });

    lifecycle = new BrokerLifecycle(config, advertised, controller, () => follower.state.offset, logger, kafkaAdvertised);
    await lifecycle.register();
    const follower: MetadataFollower = new MetadataFollower({
      client: controller,
      controllers: config.controllers,
      clusterId: config.clusterId,
      brokerId: config.nodeId,
      brokerEpoch: lifecycle.brokerEpoch,
      logger,
      fetchTimeoutMs: config.metadataFetchTimeoutMs,
      onChange: (next) => {
        state = next;
        // Replaying the log from the start passes through old states (this broker leading an old
        // epoch, say): act on metadata only once caught up, as a KRaft broker does.
        caughtUp ||= next.offset >= follower.highWatermark;
        health.refresh();
        if (caughtUp) {
          void replicas.applyMetadata(next);
          fetchers.applyThrottle(followerThrottleOf(next, config.nodeId));
        }
      },
    });
    follower.start();
    // Health follows readiness at once, before anyone waiting for the unfencing hears of it.
    lifecycle.onChange(() => health.refresh());
    lifecycle.start();
    replicas.start();
    logs.start();
    logger.info({ listen: `${config.listen.host}:${port}`, advertised, ...(kafkaAdvertised === undefined ? {} : { kafka: kafkaAdvertised }) }, 'broker started');
    return new BrokerNode(config, port, server, controller, follower, lifecycle, replicas, fetchers, logs, logger, groups, kafkaListener, brokerMetrics, metricsServer, readiness, health, remoteHighWatermarks, grpcTls);
  }

  /** True once the controller has unfenced this broker (it caught up with the metadata log). */
  get ready(): boolean {
    return !this.lifecycle.fenced;
  }

  /** Resolves once the broker is unfenced, or rejects after `timeoutMs`. */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    if (this.ready) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        unsubscribe();
        reject(new QuillError('REQUEST_TIMED_OUT', `broker ${this.config.nodeId} was not unfenced within ${timeoutMs} ms`));
      }, timeoutMs);
      const unsubscribe = this.lifecycle.onChange(() => {
        if (!this.ready) return;
        clearTimeout(timer);
        unsubscribe();
        resolve();
      });
    });
  }

  /** Controlled shutdown (leadership moves first), then closes every log cleanly. */
  async stop(): Promise<void> {
    await this.lifecycle.controlledShutdown();
    await this.halt();
    this.logger.info('broker stopped');
  }

  /**
   * Stops at once, without a controlled shutdown: to the cluster this broker just vanished, and
   * its partitions fail over after its session expires (an in-process stand-in for kill -9).
   */
  async crash(): Promise<void> {
    await this.halt();
    this.logger.info('broker halted without a controlled shutdown');
  }

  private async halt(): Promise<void> {
    this.lifecycle.stop();
    this.follower.stop();
    this.fetchers.stop();
    await this.kafkaListener?.close();
    await this.metricsServer?.close();
    this.health.stop();
    this.remoteHighWatermarks.close();
    this.server.forceShutdown();
    this.grpcTls.close();
    this.groups.stop();
    await this.replicas.stop();
    await this.logs.stop();
    this.controller.close();
  }
}

/** Ready to serve: registered, unfenced by the controller, and acting on a caught-up metadata log. */
function brokerReadiness(lifecycle: BrokerLifecycle | undefined, caughtUp: boolean): Readiness {
  if (lifecycle === undefined || lifecycle.brokerEpoch < 0) return notReady('not registered with the controller quorum');
  if (lifecycle.fenced) return notReady('fenced: the controller has not yet seen this broker catch up with the metadata log');
  if (!caughtUp) return notReady('replaying the metadata log');
  return READY;
}
