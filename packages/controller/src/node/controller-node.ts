import path from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { GRPC_CHANNEL_OPTIONS, QuillError, loadQuillPackage, type ControllerHandlers, type RaftHandlers } from '@quill/proto';
import type { Message } from '@quill/raft';
import { checkNodeIdentity } from '@quill/metadata';
import type { Logger } from 'pino';
import { DEFAULT_TOPIC_CREATION_POLICY, type TopicCreationPolicy } from '../decisions/create-topics.js';
import { LevelRaftStorage } from '../raft-storage/level-raft-storage.js';
import { controllerHandlers } from '../service/controller-service.js';
import { RaftTransport } from '../transport/raft-transport.js';
import { ActiveController } from './active-controller.js';
import { DEFAULT_METADATA_MAX_IDLE_INTERVAL_MS, MetadataLogReader } from './metadata-log-reader.js';
import { MetadataStateMachine } from './metadata-state-machine.js';
import { RaftDriver } from './raft-driver.js';

/** broker.session.timeout.ms: Kafka's is 9 s; ours fences a dead broker fast so its partitions fail over fast. */
export const DEFAULT_BROKER_SESSION_TIMEOUT_MS = 750;

export interface HostPort {
  host: string;
  port: number;
}

export interface ControllerNodeConfig {
  nodeId: number;
  clusterId: string;
  /** Where this node's gRPC server binds; its advertised address is its entry in `voters`. */
  listen: HostPort;
  /** Every voter (this node included) and its address. */
  voters: ReadonlyMap<number, HostPort>;
  dataDir: string;
  logger: Logger;
  /** Wall-clock length of a Raft tick. Default 20 ms. */
  raftTickMs?: number;
  /** Ticks before a follower campaigns (randomized in [n, 2n)). Default 10: 200-400 ms. */
  electionTicks?: number;
  /**
   * Ticks between the leader's heartbeats. Default 2 (40 ms): five per shortest election timeout.
   * Each is a gRPC call to every follower, the largest part of an idle quorum's CPU at 1 tick.
   */
  heartbeatTicks?: number;
  /** broker.session.timeout.ms (Kafka: 9 s; ours is fast on purpose, see docs). Default 750 (brokers heartbeat every 150 ms). */
  brokerSessionTimeoutMs?: number;
  /** metadata.max.idle.interval.ms: longest a metadata stream stays silent (a keepalive when idle). Default 500. */
  metadataMaxIdleIntervalMs?: number;
  /** Entries applied between snapshots (then the log is compacted). Default 10,000. */
  snapshotAfterEntries?: number;
  topicPolicy?: TopicCreationPolicy;
  /** Seeds election jitter; defaults to one derived from the node id and the clock. */
  seed?: number;
}

/** One controller process: the Raft voter, its level storage, and the Controller gRPC service. */
export class ControllerNode {
  private constructor(
    readonly config: ControllerNodeConfig,
    private readonly server: Server,
    readonly port: number,
    private readonly storage: LevelRaftStorage,
    readonly driver: RaftDriver,
    readonly metadata: MetadataStateMachine,
    private readonly active: ActiveController,
    private readonly transport: RaftTransport,
    private readonly reader: MetadataLogReader,
  ) {}

  static async start(config: ControllerNodeConfig): Promise<ControllerNode> {
    if (!config.voters.has(config.nodeId)) throw new QuillError('INVALID_CONFIG', `Node ${config.nodeId} is not among the voters.`);
    checkNodeIdentity(config.dataDir, config.clusterId, config.nodeId);
    const logger = config.logger.child({ nodeId: config.nodeId, role: 'controller' });
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
      tickMs: config.raftTickMs ?? 20,
      electionTick: config.electionTicks ?? 10,
      heartbeatTick: config.heartbeatTicks ?? 2,
      snapshotAfterEntries: config.snapshotAfterEntries ?? 10_000,
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
      brokerSessionTimeoutMs: config.brokerSessionTimeoutMs ?? DEFAULT_BROKER_SESSION_TIMEOUT_MS,
      maxQueuedDecisions: 10_000,
      decisionTimeoutMs: 10_000,
      now: Date.now,
      logger,
      leaderHint,
    });
    reader = new MetadataLogReader(driver, storage, metadata, logger, () => active.notController(), config.metadataMaxIdleIntervalMs ?? DEFAULT_METADATA_MAX_IDLE_INTERVAL_MS);
    const pkg = loadQuillPackage();
    const server = new Server({
      'grpc.max_send_message_length': GRPC_CHANNEL_OPTIONS['grpc.max_send_message_length'],
      'grpc.max_receive_message_length': GRPC_CHANNEL_OPTIONS['grpc.max_receive_message_length'],
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
        topicPolicy: config.topicPolicy ?? DEFAULT_TOPIC_CREATION_POLICY,
        logger,
        lastContactMs,
      }) as ControllerHandlers,
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${config.listen.host}:${config.listen.port}`, ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(new QuillError('INVALID_CONFIG', `cannot listen on ${config.listen.host}:${config.listen.port}: ${error.message}`)) : resolve(bound),
      ),
    );
    driver.start();
    active.start();
    reader.start();
    logger.info({ listen: `${config.listen.host}:${port}`, voters: voterIds }, 'controller started');
    return new ControllerNode(config, server, port, storage, driver, metadata, active, transport, reader);
  }

  get isActive(): boolean {
    return this.driver.isLeader;
  }

  async stop(): Promise<void> {
    this.active.stop();
    this.reader.stop();
    await this.driver.stop();
    this.transport.close();
    // Metadata streams never end by themselves: cancel them rather than wait.
    this.server.forceShutdown();
    await this.storage.close();
  }
}
