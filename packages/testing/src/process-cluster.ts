import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ChannelCredentials } from '@grpc/grpc-js';
import { LogLevel, Quill, type AclEntry, type QuillConfig, type SaslOptions } from '@quill/client';
import { eventually, freePorts } from '@quill/test-support';
import { NetnsNetwork } from './netns/netns-network.js';
import { NodeProcess } from './node-process.js';
import { UnsyncedFs, type CrashSummary } from './power-loss-fs/unsynced-fs.js';
import { ProxyNetwork, type PartitionMode } from './proxy/proxy-network.js';
import { CLIENT_SOURCE } from './proxy/client-source.js';
import { createSuperUserCredential, createUser, prepareClusterSecurity, secureNodeArgs, secureSasl, secureSsl, type ClusterSecurity } from './secure-cluster.js';

export interface ProcessClusterOptions {
  /** Brokers (ids 1..n). */
  brokers?: number;
  /** Controllers (ids 101..). Ignored when `combined`. */
  controllers?: number;
  /** Every node runs both roles (Kafka's process.roles=broker,controller). */
  combined?: boolean;
  clusterId?: string;
  /** Extra options for every broker (e.g. ['--replica-lag-time-max-ms', '2000']). */
  brokerArgs?: readonly string[];
  /** Extra options for every controller, combined nodes included (e.g. ['--auto-leader-rebalance-enable', 'false']). */
  controllerArgs?: readonly string[];
  /** Environment for every node process (e.g. QUILL_TEST_FSYNC_LEDGER). */
  env?: NodeJS.ProcessEnv;
  /** More environment for node `id` alone (e.g. its own QUILL_TEST_FSYNC_FAULTS directory). */
  envFor?: (id: number) => NodeJS.ProcessEnv;
  logLevel?: string;
  /**
   * Put a fault-injecting proxy on every node-to-node link and on the test's client links, so
   * `isolate`, `partition`, `heal` and link faults work (see {@link ProxyNetwork}).
   */
  proxied?: boolean;
  /**
   * `netns`: every node in its own network namespace with its own address on a private subnet
   * (needs root and `ip netns`; see {@link NetnsNetwork}); `isolate`, `partition` and `heal` then
   * act in the kernel instead of through proxies. Default `loopback`.
   */
  network?: 'loopback' | 'netns';
  /**
   * Every node's data directory on its own unsynced-fs mount (FUSE, see {@link UnsyncedFs}), so
   * `cutPower` leaves a node exactly what it had fsynced. Check `unsyncedFsUnavailableReason()` first.
   */
  unsyncedDisks?: boolean;
  /**
   * TLS with client certificates required on every gRPC port (certificates generated into the
   * cluster's directory), SASL_SSL with SCRAM-SHA-512 on the brokers', and the authorizer with
   * the nodes and a super user as super users; `client()` connects as that super user.
   */
  secure?: boolean;
}

export interface ClusterNode {
  id: number;
  roles: Array<'broker' | 'controller'>;
  process: NodeProcess;
  /** The broker's address, when it has the broker role. */
  brokerAddress: string | undefined;
  /** The broker's Kafka wire-protocol listener, when it has the broker role. */
  kafkaAddress: string | undefined;
  /** The node's /metrics URL (its /healthz and /readyz beside it). */
  metricsUrl: string;
  /** The controller's own (unproxied) address, when it has the controller role. */
  controllerAddress: string | undefined;
  /** The node's data directory (a broker keeps its logs here as `<topic>-<partition>`). */
  dataDir: string;
}

const CONTROLLER_ID_BASE = 100;
/** How long a secure cluster's brokers have to learn a new SCRAM credential from the metadata log. */
const CREDENTIAL_PROPAGATION_TIMEOUT_MS = 30_000;
/** Retries of the admin calls that set a secure cluster's users up. */
const USER_SETUP_RETRIES = 5;
/** In netns mode every node has its own address, so the ports can be Kafka's usual ones. */
const NETNS_BROKER_PORT = 9092;
const NETNS_CONTROLLER_PORT = 9093;
const NETNS_KAFKA_PORT = 9094;
const NETNS_METRICS_PORT = 9095;

/**
 * A real Quill cluster of OS processes on loopback ports, in a temp directory: separate
 * controllers and brokers (as in docker-compose) or combined nodes (as `quill dev`). Handles
 * kill (SIGKILL), pause (SIGSTOP), resume and restart each node; stop() cleans everything.
 */
export class ProcessCluster {
  private constructor(
    readonly nodes: ReadonlyMap<number, ClusterNode>,
    readonly clusterId: string,
    private readonly dataRoot: string,
    private readonly proxies: ProxyNetwork | undefined,
    /** What the test's clients dial: each broker's own address, or its client link's proxy. */
    private readonly clientAddresses: ReadonlyMap<string, string>,
    private readonly namespaces: NetnsNetwork | undefined,
    private readonly disks: ReadonlyMap<number, UnsyncedFs>,
    private readonly security: ClusterSecurity | undefined,
  ) {}

  /** The SASL option of `client()`: set once the super user's credential exists. */
  private sasl: SaslOptions | undefined;

  static async start(options: ProcessClusterOptions = {}): Promise<ProcessCluster> {
    const brokerCount = options.brokers ?? 3;
    const combined = options.combined ?? false;
    const clusterId = options.clusterId ?? 'quill-test';
    const logLevel = options.logLevel ?? 'info';
    const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-cluster-'));
    const brokerIds = range(1, brokerCount);
    const voterIds = combined ? brokerIds : range(CONTROLLER_ID_BASE + 1, CONTROLLER_ID_BASE + (options.controllers ?? 3));
    // A combined node listens on two ports, which one name in the proxy network cannot stand for.
    if (options.proxied && combined) throw new Error('proxied clusters need separate controllers and brokers (combined: false)');
    if (options.proxied && options.network === 'netns') throw new Error('choose proxied or network: netns, not both');
    // Generated certificates are valid for loopback only, and a combined node has one certificate for two ports' roles.
    if (options.secure && (combined || options.network === 'netns')) throw new Error('secure clusters need separate controllers and brokers on loopback');
    const controllerNode = (id: number): string => (combined ? nodeName(id) : controllerName(id));
    let namespaces: NetnsNetwork | undefined;
    try {
      namespaces =
        options.network === 'netns' ? NetnsNetwork.create({ nodes: [...brokerIds.map(nodeName), ...(combined ? [] : voterIds.map(controllerName))], stateDir: dataRoot }) : undefined;
    } catch (error) {
      fs.rmSync(dataRoot, { recursive: true, force: true });
      throw error;
    }
    const nodeIds = combined ? brokerIds : [...brokerIds, ...voterIds];
    const ports = namespaces === undefined ? await freePorts(voterIds.length + 2 * brokerCount + nodeIds.length) : [];
    const voterAddresses = new Map(
      voterIds.map((id, i) => [id, namespaces === undefined ? `127.0.0.1:${ports[i]!}` : `${namespaces.address(controllerNode(id))}:${NETNS_CONTROLLER_PORT}`]),
    );
    const brokerAddresses = new Map(
      brokerIds.map((id) => [id, namespaces === undefined ? `127.0.0.1:${ports[voterIds.length + id - 1]!}` : `${namespaces.address(nodeName(id))}:${NETNS_BROKER_PORT}`]),
    );
    // Kafka clients dial brokers directly: the fault proxies carry gRPC links only.
    const kafkaAddresses = new Map(
      brokerIds.map((id) => [id, namespaces === undefined ? `127.0.0.1:${ports[voterIds.length + brokerCount + id - 1]!}` : `${namespaces.address(nodeName(id))}:${NETNS_KAFKA_PORT}`]),
    );
    const metricsAddresses = new Map(
      nodeIds.map((id, i) => [
        id,
        namespaces === undefined ? `127.0.0.1:${ports[voterIds.length + 2 * brokerCount + i]!}` : `${namespaces.address(brokerIds.includes(id) ? nodeName(id) : controllerName(id))}:${NETNS_METRICS_PORT}`,
      ]),
    );
    const proxies = options.proxied ? new ProxyNetwork() : undefined;
    const inNamespace = (name: string): string[] => namespaces?.commandPrefix(name) ?? [];
    if (proxies !== undefined) {
      for (const [id, address] of brokerAddresses) proxies.addNode(nodeName(id), address);
      for (const [id, address] of voterAddresses) proxies.addNode(controllerName(id), address);
    }
    // How node `from` dials a peer: straight to it, or through the proxy of the link from → to.
    const dial = async (from: string, to: string, address: string): Promise<string> =>
      proxies === undefined || from === to ? address : proxies.address(from, to);
    const votersAsSeenBy = async (from: string): Promise<string> =>
      (await Promise.all([...voterAddresses].map(async ([id, address]) => `${id}@${await dial(from, controllerNode(id), address)}`))).join(',');
    const peerOverrides = async (from: string, self: number): Promise<string[]> => {
      if (proxies === undefined) return [];
      const peers = [
        ...brokerIds.filter((id) => id !== self).map((id) => [id, nodeName(id), brokerAddresses.get(id)!] as const),
        ...voterIds.map((id) => [id, controllerName(id), voterAddresses.get(id)!] as const),
      ];
      const entries = await Promise.all(peers.map(async ([id, name, address]) => `${id}@${await dial(from, name, address)}`));
      return ['--peer-address-overrides', entries.join(',')];
    };
    const security = options.secure ? await prepareClusterSecurity(path.join(dataRoot, 'certificates'), [...brokerIds.map(nodeName), ...voterIds.map(controllerName)]) : undefined;
    const securityArgs = (name: string, role: 'broker' | 'controller'): string[] => (security === undefined ? [] : secureNodeArgs(security, name, role));
    const env = options.env ?? {};
    const nodes = new Map<number, ClusterNode>();
    for (const id of brokerIds) {
      const name = nodeName(id);
      const brokerAddress = brokerAddresses.get(id)!;
      const voters = await votersAsSeenBy(name);
      const args = combined
        ? ['node', 'start', '--roles', 'broker,controller', '--controller-listen', voterAddresses.get(id)!, '--voters', voters]
        : ['broker', 'start', '--controllers', voters];
      const dataDir = path.join(dataRoot, name);
      args.push('--node-id', String(id), '--listen', brokerAddress, '--kafka-listen', kafkaAddresses.get(id)!, '--metrics-listen', metricsAddresses.get(id)!, '--data-dir', dataDir, '--cluster-id', clusterId, '--log-level', logLevel);
      args.push(...(await peerOverrides(name, id)), ...securityArgs(name, 'broker'), ...(options.brokerArgs ?? []), ...(combined ? (options.controllerArgs ?? []) : []));
      const nodeEnv = { ...env, ...options.envFor?.(id) };
      nodes.set(id, { id, roles: combined ? ['broker', 'controller'] : ['broker'], process: new NodeProcess(name, args, nodeEnv, inNamespace(name)), brokerAddress, kafkaAddress: kafkaAddresses.get(id), metricsUrl: `http://${metricsAddresses.get(id)!}/metrics`, controllerAddress: combined ? voterAddresses.get(id) : undefined, dataDir });
    }
    if (!combined) {
      for (const id of voterIds) {
        const name = controllerName(id);
        const dataDir = path.join(dataRoot, name);
        const args = ['controller', 'start', '--node-id', String(id), '--listen', voterAddresses.get(id)!, '--metrics-listen', metricsAddresses.get(id)!, '--voters', await votersAsSeenBy(name)];
        args.push('--data-dir', dataDir, '--cluster-id', clusterId, '--log-level', logLevel, ...securityArgs(name, 'controller'), ...(options.controllerArgs ?? []));
        nodes.set(id, { id, roles: ['controller'], process: new NodeProcess(name, args, { ...env, ...options.envFor?.(id) }, inNamespace(name)), brokerAddress: undefined, kafkaAddress: undefined, metricsUrl: `http://${metricsAddresses.get(id)!}/metrics`, controllerAddress: voterAddresses.get(id), dataDir });
      }
    }
    const clientAddresses = new Map(
      await Promise.all([...brokerAddresses].map(async ([id, address]) => [address, await dial(CLIENT_SOURCE, nodeName(id), address)] as const)),
    );
    const disks = new Map<number, UnsyncedFs>();
    try {
      // The store sits beside the mounts, under the same temp dir, so stop() deletes both.
      for (const node of options.unsyncedDisks ? nodes.values() : []) {
        disks.set(node.id, await UnsyncedFs.mount(node.dataDir, path.join(dataRoot, '.disks', node.process.name)));
      }
    } catch (error) {
      await Promise.all([...disks.values()].map((disk) => disk.unmount()));
      await proxies?.stop();
      namespaces?.destroy();
      fs.rmSync(dataRoot, { recursive: true, force: true });
      throw error;
    }
    for (const node of nodes.values()) node.process.start();
    const cluster = new ProcessCluster(nodes, clusterId, dataRoot, proxies, clientAddresses, namespaces, disks, security);
    try {
      await cluster.waitForBrokers(brokerCount);
      if (security !== undefined) await cluster.enableSasl(security);
    } catch (error) {
      // Leave no processes or proxies behind a cluster that never came up.
      await cluster.stop();
      throw error;
    }
    return cluster;
  }

  /**
   * Until the super user's SCRAM credential exists, clients authenticate by its certificate; then
   * `client()` adds SASL, once every broker accepts it (each learns credentials from the metadata log).
   */
  private async enableSasl(security: ClusterSecurity): Promise<void> {
    await createSuperUserCredential(security, this.client({ retry: { retries: USER_SETUP_RETRIES } }).admin());
    const sasl = secureSasl(security);
    await this.waitUntilBrokersAuthenticate(sasl);
    this.sasl = sasl;
  }

  /** Waits until every broker accepts `sasl`'s credential (each learns credentials from the metadata log). */
  private async waitUntilBrokersAuthenticate(sasl: SaslOptions): Promise<void> {
    for (const address of this.bootstrap) {
      const admin = this.client({ brokers: [address], sasl, retry: { retries: 0 } }).admin();
      try {
        await eventually(
          async () => {
            await admin.connect();
            await admin.listTopics();
            return true;
          },
          { timeoutMs: CREDENTIAL_PROPAGATION_TIMEOUT_MS, intervalMs: 100, description: `broker ${address} accepts ${sasl.username}'s SCRAM credential` },
        );
      } finally {
        await admin.disconnect();
      }
    }
  }

  /**
   * On a secure cluster, what a client outside this process needs: the CA, the super user's
   * certificate and key files, and its SCRAM-SHA-512 user name and password.
   */
  get clientCredentials(): { caLocation: string; certificateLocation: string; keyLocation: string; username: string; password: string } | undefined {
    const security = this.security;
    return security === undefined ? undefined : { caLocation: security.caLocation, ...security.client, username: security.username, password: security.password };
  }

  /**
   * On a secure cluster: a SCRAM-SHA-512 user `name` whose principal has exactly `acls`; returns
   * the sasl option that, given to `client()`, connects as it.
   */
  async createUser(name: string, acls: ReadonlyArray<Omit<AclEntry, 'principal'>>): Promise<SaslOptions> {
    if (this.security === undefined) throw new Error('users need ProcessCluster.start({ secure: true })');
    const sasl = await createUser(this.client({ retry: { retries: USER_SETUP_RETRIES } }).admin(), name, acls);
    await this.waitUntilBrokersAuthenticate(sasl);
    return sasl;
  }

  /** Credentials for calls straight to the controllers (the super user's certificate), on a secure cluster. */
  get controllerCredentials(): (() => ChannelCredentials) | undefined {
    return this.security?.controllerCredentials;
  }

  /** Addresses of every broker (running or not): what clients bootstrap from (the client links' proxies when proxied). */
  get bootstrap(): string[] {
    return [...this.clientAddresses.values()];
  }

  /** Every broker's Kafka wire-protocol address (never proxied). */
  get kafkaBootstrap(): string[] {
    return [...this.nodes.values()].flatMap((n) => (n.kafkaAddress === undefined ? [] : [n.kafkaAddress]));
  }

  /** Every node's /metrics URL, brokers first (never proxied). */
  get metricsUrls(): string[] {
    return [...this.nodes.values()].map((n) => n.metricsUrl);
  }

  /** The proxy network of a `proxied` cluster; node names are `node-<id>` and `controller-<id>`. */
  get network(): ProxyNetwork {
    if (this.proxies === undefined) throw new Error('network faults need ProcessCluster.start({ proxied: true })');
    return this.proxies;
  }

  /** The namespaces of a `network: 'netns'` cluster; node names are `node-<id>` and `controller-<id>`. */
  get netns(): NetnsNetwork {
    if (this.namespaces === undefined) throw new Error("namespace faults need ProcessCluster.start({ network: 'netns' })");
    return this.namespaces;
  }

  /** Whichever network injects this cluster's faults: the namespaces, or else the proxies. */
  private get faults(): ProxyNetwork | NetnsNetwork {
    return this.namespaces ?? this.network;
  }

  /** The proxy-network name of node `id`. */
  nameOf(id: number): string {
    return this.node(id).process.name;
  }

  /** Separates node `id` from every other node; with `clients`, from the test's clients too. */
  isolate(id: number, mode: PartitionMode = 'drop', options: { clients?: boolean } = {}): void {
    this.faults.isolate(this.nameOf(id), mode, options.clients ? [CLIENT_SOURCE] : []);
  }

  /** No traffic between any node of `groupA` and any of `groupB`. */
  partition(groupA: readonly number[], groupB: readonly number[], mode: PartitionMode = 'drop'): void {
    this.faults.partition(
      groupA.map((id) => this.nameOf(id)),
      groupB.map((id) => this.nameOf(id)),
      mode,
    );
  }

  /** Heals every link of the proxy network (every fault rule of the namespaces). */
  heal(): void {
    this.faults.heal();
  }

  node(id: number): ClusterNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** Node `id`'s power-loss filesystem (a cluster started with `unsyncedDisks`). */
  disk(id: number): UnsyncedFs {
    const disk = this.disks.get(id);
    if (disk === undefined) throw new Error(`node ${id} has no unsynced disk: start the cluster with unsyncedDisks: true`);
    return disk;
  }

  /**
   * A power loss of node `id`: SIGKILL, then its data directory keeps only what the node had
   * fsynced (content, and directory entries whose directory was fsynced). Start it again with
   * `node(id).process.start()`.
   */
  async cutPower(id: number): Promise<CrashSummary> {
    const disk = this.disk(id);
    await this.node(id).process.kill();
    return disk.crash();
  }

  /** A client for this cluster; fast retries by default so tests measure the cluster, not backoff. */
  client(options: Partial<QuillConfig> = {}): Quill {
    return new Quill({
      brokers: this.bootstrap,
      ...(this.proxies === undefined ? {} : { addressOverrides: Object.fromEntries(this.clientAddresses) }),
      clientId: 'quill-test',
      logLevel: LogLevel.ERROR,
      retry: { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 1000 },
      requestTimeoutMs: 10_000,
      ...(this.security === undefined ? {} : { ssl: secureSsl(this.security) }),
      ...(this.sasl === undefined ? {} : { sasl: this.sasl }),
      ...options,
    });
  }

  /** Waits until `count` brokers are registered, unfenced and in the metadata a broker serves. */
  async waitForBrokers(count: number, timeoutMs = 60_000): Promise<void> {
    const quill = this.client({ retry: { retries: 0 } });
    const admin = quill.admin();
    try {
      // A broker that is not up yet refuses the call: eventually() asks again.
      await eventually(
        async () => {
          await admin.connect();
          return (await admin.describeCluster()).brokers.length >= count;
        },
        { timeoutMs, intervalMs: 100, description: `${count} brokers up` },
      );
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Stops brokers first (their controlled shutdown needs the controllers), then controllers, and
   * deletes the data.
   */
  async stop(): Promise<void> {
    // Blackholed links would make the brokers' controlled shutdown wait out its timeout.
    this.proxies?.heal();
    try {
      this.namespaces?.heal();
      const nodes = [...this.nodes.values()];
      await Promise.all(nodes.filter((n) => n.roles.includes('broker')).map((n) => n.process.stop()));
      await Promise.all(nodes.filter((n) => !n.roles.includes('broker')).map((n) => n.process.stop()));
      await this.proxies?.stop();
    } finally {
      // Namespaces, veths and the bridge go even when stopping a node failed.
      this.namespaces?.destroy();
      await Promise.all([...this.disks.values()].map((disk) => disk.unmount()));
      fs.rmSync(this.dataRoot, { recursive: true, force: true });
    }
  }
}

function nodeName(id: number): string {
  return `node-${id}`;
}

function controllerName(id: number): string {
  return `controller-${id}`;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
