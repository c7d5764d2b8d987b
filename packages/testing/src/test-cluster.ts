import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BrokerNode, type BrokerConfig } from '@quill/broker';
import { LogLevel, Quill, type QuillConfig } from '@quill/client';
import { ControllerNode, type ControllerConfig } from '@quill/controller';
import { pino, type Logger } from 'pino';
import { freePorts } from '@quill/test-support';
import { ProcessCluster } from './process-cluster.js';
import { CLIENT_SOURCE } from './proxy/client-source.js';
import type { NetnsNetwork } from './netns/netns-network.js';
import { ProxyNetwork, type PartitionMode } from './proxy/proxy-network.js';

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
  /**
   * A fault-injecting TCP proxy on every node-to-node link and every link from the test's
   * clients, so `isolate`, `partition`, `heal` and the link faults work. Off by default.
   */
  proxied?: boolean;
  /**
   * `netns` (processes only; needs root and `ip netns`): every node in its own network namespace
   * with its own address, and `network` faults done by the kernel's routing rules instead of
   * proxies (no `delay`). See docs/CHAOS.md. Default `loopback`.
   */
  network?: 'loopback' | 'netns';
  /**
   * Broker settings for every broker (a short `kafkaConnectionsMaxIdleMs`, auto topic creation...).
   * In-process clusters only: process clusters take command-line options.
   */
  brokerConfig?: Partial<Omit<BrokerConfig, 'nodeId' | 'clusterId' | 'listen' | 'advertised' | 'controllers' | 'dataDir' | 'kafkaListen' | 'kafkaAdvertised' | 'metricsListen'>>;
  /** Controller settings for every controller (TLS, the authorizer...). In-process clusters only. */
  controllerConfig?: Partial<Omit<ControllerConfig, 'nodeId' | 'clusterId' | 'listen' | 'voters' | 'dataDir' | 'metricsListen' | 'logger'>>;
}

/**
 * Network faults of a `proxied` cluster. Nodes are named by id (brokers 1..n, controllers 101..);
 * the test's own clients keep reaching every broker unless a link from 'client' is faulted.
 */
export interface ClusterNetwork {
  /**
   * Separates a node from every other node (blackhole by default; 'cut' resets connections);
   * with `clients`, from the test's clients too.
   */
  isolate(nodeId: number, mode?: PartitionMode, options?: { clients?: boolean }): void;
  /** No traffic between any node of groupA and any node of groupB. */
  partition(groupA: readonly number[], groupB: readonly number[], mode?: PartitionMode): void;
  /** Resets every connection between two nodes (both ways) and refuses new ones until healed. */
  cut(a: number, b: number): void;
  /** Blackholes traffic between two nodes (both ways): calls time out. */
  drop(a: number, b: number): void;
  /** Delays traffic between two nodes by `delayMs` each way. */
  delay(a: number, b: number, delayMs: number): void;
  /** One way: traffic from `from` to `to` is blackholed; the other direction passes. */
  block(from: number, to: number): void;
  /** Every link back to normal. */
  heal(): void;
  /** Connections open now from node `from` to node `to` through their link's proxy. */
  connections(from: number, to: number): number;
}

/** A running cluster for a service's own tests. Every handle works in both modes unless noted. */
export interface TestCluster {
  /** host:port of every broker, for `new Quill({ brokers })` or any Kafka-style bootstrap list. */
  readonly bootstrap: string[];
  /** host:port of every broker's Kafka wire-protocol listener, for KafkaJS, librdkafka and other Kafka clients (never proxied). */
  readonly kafkaBootstrap: string[];
  readonly brokerIds: readonly number[];
  /** host:port of every controller's own gRPC port (Raft and the broker-facing Controller service). */
  readonly controllerAddresses: readonly string[];
  /**
   * Every node's /metrics URL (its /healthz and /readyz beside it), brokers first, then the
   * controllers. In-process combined clusters run a node's broker and controller on separate ports
   * (both listed); process clusters serve a combined node's two roles on one.
   */
  readonly metricsUrls: readonly string[];
  /** The /metrics URL of broker `brokerId` (same port after a restart). */
  metricsUrl(brokerId: number): string;
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
  /** Network faults; throws unless started with `proxied: true` or `network: 'netns'`. */
  readonly network: ClusterNetwork;
  /** The directory a broker keeps its logs in (one `<topic>-<partition>` directory per replica). */
  dataDir(brokerId: number): string;
  /** Stops everything and deletes the data. */
  stop(): Promise<void>;
}

/**
 * A real Quill cluster for tests, used instead of Docker or testcontainers: real gRPC on
 * ephemeral loopback ports and real files in a temp directory, in this process (fast: well under
 * 2 s to start) or as child processes.
 */
export async function startCluster(options: StartClusterOptions = {}): Promise<TestCluster> {
  if ((options.brokerConfig !== undefined || options.controllerConfig !== undefined) && options.processes) throw new Error('brokerConfig and controllerConfig apply to in-process clusters only');
  if (options.network === 'netns' && !options.processes) throw new Error("network: 'netns' runs nodes as processes: startCluster({ processes: true, network: 'netns' })");
  return options.processes ? startProcesses(options) : startInProcess(options);
}

/** Node-level faults over a proxy network whose nodes are named by id. */
function clusterNetwork(proxies: ProxyNetwork | NetnsNetwork | undefined, nameOf: (id: number) => string = String): ClusterNetwork {
  const network = (): ProxyNetwork | NetnsNetwork => {
    if (proxies === undefined) throw new Error("network faults need startCluster({ proxied: true }) or startCluster({ processes: true, network: 'netns' })");
    return proxies;
  };
  return {
    isolate: (id, mode, isolateOptions) => network().isolate(nameOf(id), mode, isolateOptions?.clients ? [CLIENT_SOURCE] : []),
    partition: (a, b, mode) => network().partition(a.map(nameOf), b.map(nameOf), mode),
    cut: (a, b) => network().cut(nameOf(a), nameOf(b)),
    drop: (a, b) => network().drop(nameOf(a), nameOf(b)),
    delay: (a, b, ms) => network().delay(nameOf(a), nameOf(b), ms),
    block: (from, to) => network().block(nameOf(from), nameOf(to)),
    heal: () => network().heal(),
    connections: (from, to) => network().connections(nameOf(from), nameOf(to)),
  };
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
    proxied: options.proxied ?? false,
    network: options.network ?? 'loopback',
  });
  const brokerIds = [...cluster.nodes.values()].filter((n) => n.roles.includes('broker')).map((n) => n.id);
  return {
    bootstrap: cluster.bootstrap,
    kafkaBootstrap: cluster.kafkaBootstrap,
    brokerIds,
    controllerAddresses: [...cluster.nodes.values()].flatMap((n) => (n.controllerAddress === undefined ? [] : [n.controllerAddress])),
    metricsUrls: cluster.metricsUrls,
    metricsUrl: (id) => cluster.node(id).metricsUrl,
    client: (config = {}) => cluster.client(config),
    leaderOf: (topic, partition) => leaderOf(cluster.client(), topic, partition),
    kill: (id) => cluster.node(id).process.kill(),
    restart: async (id) => cluster.node(id).process.start(),
    pause: (id) => cluster.node(id).process.pause(),
    resume: (id) => cluster.node(id).process.resume(),
    network: clusterNetwork(options.network === 'netns' ? cluster.netns : options.proxied ? cluster.network : undefined, (id) => cluster.nameOf(id)),
    dataDir: (id) => cluster.node(id).dataDir,
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
  const ports = await freePorts(2 * controllerIds.length + 3 * brokerIds.length);
  const voters = new Map(controllerIds.map((id, i) => [id, { host: '127.0.0.1', port: ports[i]! }]));
  const brokerPorts = new Map(brokerIds.map((id, i) => [id, ports[controllerIds.length + i]!]));
  const kafkaPorts = new Map(brokerIds.map((id, i) => [id, ports[controllerIds.length + brokerIds.length + i]!]));
  const brokerMetricsPorts = new Map(brokerIds.map((id, i) => [id, ports[controllerIds.length + 2 * brokerIds.length + i]!]));
  const controllerMetricsPorts = new Map(controllerIds.map((id, i) => [id, ports[controllerIds.length + 3 * brokerIds.length + i]!]));
  const metricsUrlOf = (port: number): string => `http://127.0.0.1:${port}/metrics`;
  const realAddresses = new Map<number, string>([
    ...[...voters].map(([id, a]) => [id, `${a.host}:${a.port}`] as const),
    ...[...brokerPorts].map(([id, port]) => [id, `127.0.0.1:${port}`] as const),
  ]);
  if (options.proxied && combined) throw new Error('proxied clusters need separate controllers and brokers (combined: false)');
  const proxies = options.proxied ? new ProxyNetwork() : undefined;
  for (const [id, address] of realAddresses) proxies?.addNode(String(id), address);
  // How `from` dials node `to`: directly, or through the proxy of the link from → to.
  const dial = async (from: string, to: number): Promise<string> =>
    proxies === undefined || from === String(to) ? realAddresses.get(to)! : proxies.address(from, String(to));
  const dialAll = async (from: string, ids: readonly number[]): Promise<Map<number, string>> =>
    new Map(await Promise.all(ids.map(async (id) => [id, await dial(from, id)] as const)));
  const controllers = await Promise.all(
    controllerIds.map(async (id) => {
      const seen = await dialAll(String(id), controllerIds);
      const ownVoters = new Map([...seen].map(([voter, address]) => [voter, hostPort(address)]));
      return ControllerNode.start({ ...options.controllerConfig, nodeId: id, clusterId, listen: voters.get(id)!, metricsListen: { host: '127.0.0.1', port: controllerMetricsPorts.get(id)! }, voters: ownVoters, dataDir: path.join(root, `controller-${id}`), logger });
    }),
  );
  const brokerDials = new Map(
    await Promise.all(brokerIds.map(async (id) => [id, await dialAll(String(id), [...controllerIds, ...brokerIds.filter((b) => b !== id)])] as const)),
  );
  const brokerDataDir = (id: number): string => path.join(root, `broker-${id}`);
  const startBroker = (id: number): Promise<BrokerNode> =>
    BrokerNode.start({
      ...options.brokerConfig,
      nodeId: id,
      clusterId,
      listen: { host: '127.0.0.1', port: brokerPorts.get(id)! },
      kafkaListen: { host: '127.0.0.1', port: kafkaPorts.get(id)! },
      metricsListen: { host: '127.0.0.1', port: brokerMetricsPorts.get(id)! },
      controllers: controllerIds.map((c) => brokerDials.get(id)!.get(c)!),
      ...(proxies === undefined ? {} : { peerAddressOverrides: Object.fromEntries(brokerDials.get(id)!) }),
      dataDir: brokerDataDir(id),
      logger,
    });
  const brokers = new Map<number, BrokerNode>();
  await Promise.all(brokerIds.map(async (id) => brokers.set(id, await startBroker(id))));
  await Promise.all([...brokers.values()].map((b) => b.waitUntilReady()));
  const clientDials = await dialAll(CLIENT_SOURCE, brokerIds);
  const bootstrap = brokerIds.map((id) => clientDials.get(id)!);
  const addressOverrides = Object.fromEntries(brokerIds.map((id) => [realAddresses.get(id)!, clientDials.get(id)!]));
  const client = (config: Partial<QuillConfig>): Quill => fastClient(bootstrap, { ...(proxies === undefined ? {} : { addressOverrides }), ...config });
  const processesOnly = (): never => {
    throw new Error('pause/resume need separate processes: startCluster({ processes: true })');
  };
  return {
    bootstrap,
    kafkaBootstrap: brokerIds.map((id) => `127.0.0.1:${kafkaPorts.get(id)!}`),
    brokerIds,
    controllerAddresses: [...voters.values()].map((a) => `${a.host}:${a.port}`),
    metricsUrls: [...[...brokerMetricsPorts.values()], ...[...controllerMetricsPorts.values()]].map(metricsUrlOf),
    metricsUrl: (id) => metricsUrlOf(brokerMetricsPorts.get(id)!),
    client: (config = {}) => client(config),
    leaderOf: (topic, partition) => leaderOf(client({}), topic, partition),
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
    network: clusterNetwork(proxies),
    dataDir: brokerDataDir,
    stop: async () => {
      proxies?.heal();
      await Promise.all([...brokers.values()].map((b) => b.crash()));
      brokers.clear();
      await Promise.all(controllers.map((c) => c.stop()));
      await proxies?.stop();
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

function hostPort(address: string): { host: string; port: number } {
  const colon = address.lastIndexOf(':');
  return { host: address.slice(0, colon), port: Number(address.slice(colon + 1)) };
}
