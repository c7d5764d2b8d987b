import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrokerNode } from '@quill/broker';
import { LogLevel, Quill, type QuillConfig } from '@quill/client';
import { ControllerNode } from '@quill/controller';
import { pino, type Logger } from 'pino';
import { freePorts } from './free-port.js';
import { ProcessCluster } from './process-cluster.js';

export interface StartClusterOptions {
  /** Brokers, ids 1..n. Default 3. */
  brokers?: number;
  /** Controllers (a Raft quorum), ids 101..; ignored when combined. Default 3 (1 is fine for a unit test). */
  controllers?: number;
  /** Every node runs both roles (then there are as many controllers as brokers). */
  combined?: boolean;
  /** Run nodes as child processes (pause/resume with SIGSTOP/SIGCONT work) instead of in this process. */
  processes?: boolean;
  /** Node log level (default silent in process, warn for processes). */
  logLevel?: string;
}

/** A running cluster for a service's own tests. Every handle works in both modes unless noted. */
export interface TestCluster {
  /** host:port of every broker, for `new Quill({ brokers })` or any Kafka-style bootstrap list. */
  readonly bootstrap: string[];
  readonly brokerIds: readonly number[];
  /** A client with fast retries, so tests wait on the cluster, not on backoff. */
  client(config?: Partial<QuillConfig>): Quill;
  /** The broker leading a partition now. */
  leaderOf(topic: string, partition: number): Promise<number>;
  /** Stops a broker abruptly (no controlled shutdown): its partitions fail over. SIGKILL for processes. */
  kill(brokerId: number): Promise<void>;
  /** Starts a killed broker again on its data. */
  restart(brokerId: number): Promise<void>;
  /** Freezes a broker (SIGSTOP). Processes only. */
  pause(brokerId: number): void;
  resume(brokerId: number): void;
  /** Stops everything and deletes the data. */
  stop(): Promise<void>;
}

/**
 * A real Quill cluster for tests, used instead of Docker or testcontainers: real gRPC on
 * ephemeral loopback ports and real files in a temp directory, in this process (fast: well under
 * 2 s to start) or as child processes.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  return options.processes ? startProcesses(options) : startInProcess(options);
}

function fastClient(bootstrap: string[], config: Partial<QuillConfig>): Quill {
  return new Quill({
    brokers: bootstrap,
    clientId: 'quill-test',
    logLevel: LogLevel.ERROR,
    retry: { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 1000 },
    requestTimeoutMs: 10_000,
    ...config,
  });
}

async function leaderOf(quill: Quill, topic: string, partition: number): Promise<number> {
  const admin = quill.admin();
  await admin.connect();
  try {
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    const found = metadata.topics[0]?.partitions.find((p) => p.partitionId === partition);
    if (found === undefined || found.leader < 0) throw new Error(`${topic}-${partition} has no leader`);
    return found.leader;
  } finally {
    await admin.disconnect();
  }
}

async function startProcesses(options: StartClusterOptions): Promise<TestCluster> {
  const cluster = await ProcessCluster.start({
    brokers: options.brokers ?? 3,
    controllers: options.controllers ?? 3,
    combined: options.combined ?? false,
    logLevel: options.logLevel ?? 'warn',
  });
  const brokerIds = [...cluster.nodes.values()].filter((n) => n.roles.includes('broker')).map((n) => n.id);
  return {
    bootstrap: cluster.bootstrap,
    brokerIds,
    client: (config = {}) => fastClient(cluster.bootstrap, config),
    leaderOf: (topic, partition) => leaderOf(fastClient(cluster.bootstrap, {}), topic, partition),
    kill: (id) => cluster.node(id).process.kill(),
    restart: async (id) => cluster.node(id).process.start(),
    pause: (id) => cluster.node(id).process.pause(),
    resume: (id) => cluster.node(id).process.resume(),
    stop: () => cluster.stop(),
  };
}

const CONTROLLER_ID_BASE = 100;

async function startInProcess(options: StartClusterOptions): Promise<TestCluster> {
  const brokerCount = options.brokers ?? 3;
  const combined = options.combined ?? false;
  const clusterId = 'quill-test';
  const logger: Logger = pino({ level: options.logLevel ?? 'silent' });
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-test-cluster-'));
  const brokerIds = Array.from({ length: brokerCount }, (_, i) => i + 1);
  const controllerIds = combined ? brokerIds : Array.from({ length: options.controllers ?? 3 }, (_, i) => CONTROLLER_ID_BASE + i + 1);
  const ports = await freePorts(controllerIds.length + brokerIds.length);
  const voters = new Map(controllerIds.map((id, i) => [id, { host: '127.0.0.1', port: ports[i]! }]));
  const brokerPorts = new Map(brokerIds.map((id, i) => [id, ports[controllerIds.length + i]!]));
  const controllers = await Promise.all(
    controllerIds.map((id) =>
      ControllerNode.start({ nodeId: id, clusterId, listen: voters.get(id)!, voters, dataDir: path.join(root, `controller-${id}`), logger }),
    ),
  );
  const controllerAddresses = [...voters.values()].map((a) => `${a.host}:${a.port}`);
  const startBroker = (id: number): Promise<BrokerNode> =>
    BrokerNode.start({
      nodeId: id,
      clusterId,
      listen: { host: '127.0.0.1', port: brokerPorts.get(id)! },
      controllers: controllerAddresses,
      dataDir: path.join(root, `broker-${id}`),
      logger,
    });
  const brokers = new Map<number, BrokerNode>();
  await Promise.all(brokerIds.map(async (id) => brokers.set(id, await startBroker(id))));
  await Promise.all([...brokers.values()].map((b) => b.waitUntilReady()));
  const bootstrap = brokerIds.map((id) => `127.0.0.1:${brokerPorts.get(id)!}`);
  const processesOnly = (): never => {
    throw new Error('pause/resume need separate processes: startCluster({ processes: true })');
  };
  return {
    bootstrap,
    brokerIds,
    client: (config = {}) => fastClient(bootstrap, config),
    leaderOf: (topic, partition) => leaderOf(fastClient(bootstrap, {}), topic, partition),
    kill: async (id) => {
      const broker = brokers.get(id);
      brokers.delete(id);
      await broker?.crash();
    },
    restart: async (id) => {
      if (brokers.has(id)) throw new Error(`broker ${id} is running`);
      const broker = await startBroker(id);
      brokers.set(id, broker);
      await broker.waitUntilReady();
    },
    pause: processesOnly,
    resume: processesOnly,
    stop: async () => {
      await Promise.all([...brokers.values()].map((b) => b.crash()));
      brokers.clear();
      await Promise.all(controllers.map((c) => c.stop()));
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
