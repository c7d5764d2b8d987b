import path from 'node:path';
import { Server } from '@grpc/grpc-js';
import { systemClock } from '@quill/clock';
import { GRPC_CHANNEL_OPTIONS, QuillError, bindServer, loadQuillPackage, type ControllerHandlers, type RaftHandlers } from '@quill/proto';
import type { Message } from '@quill/raft';
import { checkNodeIdentity } from '@quill/metadata';
import { startNodeGrpcTls, type NodeGrpcTls } from '@quill/security';
import { addGrpcHealth, grpcConnectionCounter, sharedProcessRegistry, startMetricsServer, type GrpcHealth, type MetricsServer, type Readiness, type Registry } from '@quill/metrics';
import { resolveControllerConfig, type ControllerConfig, type ControllerConfigInput } from '../config.js';
import { controllerMetricsRegistry } from '../metrics/controller-metrics.js';
import { controllerReadiness, controllerSamples } from '../metrics/controller-samples.js';
import { LevelRaftStorage } from '../raft-storage/level-raft-storage.js';
import { controllerHandlers } from '../service/controller-service.js';
import { RaftTransport } from '../transport/raft-transport.js';
import { ActiveController } from './active-controller.js';
import { MetadataLogReader } from './metadata-log-reader.js';
import { MetadataStateMachine } from './metadata-state-machine.js';
import { nodeAccessInterceptors } from './node-access.js';
import { RaftDriver } from './raft-driver.js';

/** One controller process: the Raft voter, its level storage, and the Controller gRPC service. */
export class ControllerNode {
  private constructor(
    readonly config: ControllerConfig,
    private readonly server: Server,
    readonly port: number,
    private readonly storage: LevelRaftStorage,
    readonly driver: RaftDriver,
    readonly metadata: MetadataStateMachine,
    private readonly active: ActiveController,
    private readonly transport: RaftTransport,
    private readonly reader: MetadataLogReader,
    /** This controller's metrics (a combined node serves them beside its broker's). */
    readonly metricsRegistry: Registry,
    /** The HTTP server for /metrics, /healthz and /readyz, when the controller has `metricsListen`. */
    readonly metricsServer: MetricsServer | undefined,
    private readonly health: GrpcHealth,
    private readonly grpcTls: NodeGrpcTls,
  ) {}

  static async start(input: ControllerConfigInput): Promise<ControllerNode> {
    const config = resolveControllerConfig(input);
    if (!config.voters.has(config.nodeId)) throw new QuillError('INVALID_CONFIG', `Node ${config.nodeId} is not among the voters.`);
    checkNodeIdentity(config.dataDir, config.clusterId, config.nodeId);
    const logger = config.logger.child({ nodeId: config.nodeId, role: 'controller' });
    const grpcTls = await startNodeGrpcTls({ securityProtocol: config.securityProtocol, ssl: config.ssl, reloadDebounceMs: config.sslReloadDebounceMs, logger });
    const voterIds = [...config.voters.keys()].sort((a, b) => a - b);
    const raftDir = path.join(config.dataDir, 'raft');
    const storage = await LevelRaftStorage.open(raftDir, { voters: voterIds, observers: [] });
    const metadata = new MetadataStateMachine();
    const lastContactMs = new Map<number, number>();
    let driver: RaftDriver | undefined;
    const peers = new Map([...config.voters].filter(([id]) => id !== config.nodeId).map(([id, a]) => [id, `${a.host}:${a.port}`]));
    const transport = new RaftTransport({
      nodeId: config.nodeId,
      clusterId: config.clusterId,
      peers,
      logger,
      credentials: grpcTls.channelCredentials,
      deliver: (message: Message) => {
        lastContactMs.set(message.from, Date.now());
        driver?.step(message);
      },
    });
    let reader: MetadataLogReader | undefined;
    driver = new RaftDriver({
      nodeId: config.nodeId,
      voters: voterIds,
      storage,
      stateMachine: metadata,
      send: (message) => transport.send(message),
      logger,
      tickMs: config.raftTickMs,
      electionTick: config.electionTicks,
      heartbeatTick: config.heartbeatTicks,
      snapshotAfterEntries: config.snapshotAfterEntries,
      seed: config.seed ?? (config.nodeId * 7919 + Date.now()) >>> 0,
      onLeaderChange: (leaderId, term) => {
        logger.info({ leaderId, term }, 'controller leader changed');
        if (leaderId !== config.nodeId) reader?.leadershipLost();
      },
    });
    const leaderHint = () => {
      const leaderId = driver!.leaderId;
      const address = config.voters.get(leaderId);
      return { leaderId, host: address?.host ?? '', port: address?.port ?? 0, term: driver!.status().term };
    };
    const active = new ActiveController(driver, metadata, {
      brokerSessionTimeoutMs: config.brokerSessionTimeoutMs,
      maxQueuedDecisions: config.maxQueuedDecisions,
      decisionTimeoutMs: config.decisionTimeoutMs,
      leaderBalance: {
        enabled: config.autoLeaderRebalanceEnable,
        checkIntervalMs: config.leaderImbalanceCheckIntervalMs,
        imbalancePerBrokerPercentage: config.leaderImbalancePerBrokerPercentage,
      },
      clock: systemClock,
      logger,
      leaderHint,
    });
    reader = new MetadataLogReader(driver, storage, metadata, logger, () => active.notController(), config.metadataMaxIdleIntervalMs);
    const pkg = loadQuillPackage();
    const server = new Server({
      'grpc.max_send_message_length': GRPC_CHANNEL_OPTIONS['grpc.max_send_message_length'],
      'grpc.max_receive_message_length': GRPC_CHANNEL_OPTIONS['grpc.max_receive_message_length'],
      interceptors: nodeAccessInterceptors(config, grpcTls.secure, () => metadata.current),
    });
    server.addService(pkg.quill.v1.Raft.service, transport.handlers() as RaftHandlers);
    server.addService(
      pkg.quill.v1.Controller.service,
      controllerHandlers({
        clusterId: config.clusterId,
        nodeId: config.nodeId,
        voters: config.voters,
        driver,
        metadata,
        active,
        log: reader,
        topicPolicy: config.topicPolicy,
        logger,
        lastContactMs,
      }) as ControllerHandlers,
    );
    const raft = driver;
    const health = addGrpcHealth(server, ['quill.v1.Controller', 'quill.v1.Raft'], () => controllerReadiness(raft.status()), systemClock);
    const metricsRegistry = controllerMetricsRegistry(
      () => controllerSamples(raft.status(), raft.isLeader, voterIds, (id) => raft.followerProgress(id), metadata.current, storage.sizeBytes),
      grpcConnectionCounter(server),
    );
    let port: number;
    let metricsServer: MetricsServer | undefined;
    try {
      port = await bindServer(server, config.listen, grpcTls.serverCredentials);
      metricsServer =
        config.metricsListen === undefined
          ? undefined
          : await startMetricsServer({ ...config.metricsListen, registries: [metricsRegistry, sharedProcessRegistry()], readiness: () => controllerReadiness(raft.status()), logger });
    } catch (error) {
      // The TLS file watchers and the Raft storage would otherwise outlive a controller that never started.
      health.stop();
      server.forceShutdown();
      grpcTls.close();
      await storage.close();
      throw error;
    }
    driver.start();
    active.start();
    reader.start();
    logger.info({ listen: `${config.listen.host}:${port}`, voters: voterIds }, 'controller started');
    return new ControllerNode(config, server, port, storage, driver, metadata, active, transport, reader, metricsRegistry, metricsServer, health, grpcTls);
  }

  /** Part of a quorum with a known leader. */
  readiness(): Readiness {
    return controllerReadiness(this.driver.status());
  }

  get isActive(): boolean {
    return this.driver.isLeader;
  }

  async stop(): Promise<void> {
    this.active.stop();
    this.reader.stop();
    await this.driver.stop();
    this.transport.close();
    await this.metricsServer?.close();
    this.health.stop();
    // Metadata streams never end by themselves: cancel them rather than wait.
    this.server.forceShutdown();
    this.grpcTls.close();
    await this.storage.close();
  }
}
