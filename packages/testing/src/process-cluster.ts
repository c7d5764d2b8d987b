import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogLevel, Quill, type QuillConfig } from '@quill/client';
import { freePorts } from './free-port.js';
import { NodeProcess } from './node-process.js';

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
  logLevel?: string;
}

export interface ClusterNode {
  id: number;
  roles: Array<'broker' | 'controller'>;
  process: NodeProcess;
  /** The broker's address, when it has the broker role. */
  brokerAddress: string | undefined;
  /** The node's data directory (a broker keeps its logs here as `<topic>-<partition>`). */
  dataDir: string;
}

const CONTROLLER_ID_BASE = 100;

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
  ) {}

  static async start(options: ProcessClusterOptions = {}): Promise<ProcessCluster> {
    const brokerCount = options.brokers ?? 3;
    const combined = options.combined ?? false;
    const clusterId = options.clusterId ?? 'quill-test';
    const logLevel = options.logLevel ?? 'info';
    const dataRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-cluster-'));
    const voterIds = combined ? range(1, brokerCount) : range(CONTROLLER_ID_BASE + 1, CONTROLLER_ID_BASE + (options.controllers ?? 3));
    const ports = await freePorts(voterIds.length + brokerCount);
    const voterAddresses = new Map(voterIds.map((id, i) => [id, `127.0.0.1:${ports[i]!}`]));
    const voters = [...voterAddresses].map(([id, address]) => `${id}@${address}`).join(',');
    const nodes = new Map<number, ClusterNode>();
    for (const id of range(1, brokerCount)) {
      const brokerAddress = `127.0.0.1:${ports[voterIds.length + id - 1]!}`;
      const args = combined
        ? ['node', 'start', '--roles', 'broker,controller', '--controller-listen', voterAddresses.get(id)!, '--voters', voters]
        : ['broker', 'start', '--controllers', voters];
      const dataDir = path.join(dataRoot, `node-${id}`);
      args.push('--node-id', String(id), '--listen', brokerAddress, '--data-dir', dataDir, '--cluster-id', clusterId, '--log-level', logLevel, ...(options.brokerArgs ?? []));
      nodes.set(id, { id, roles: combined ? ['broker', 'controller'] : ['broker'], process: new NodeProcess(`node-${id}`, args), brokerAddress, dataDir });
    }
    if (!combined) {
      for (const id of voterIds) {
        const dataDir = path.join(dataRoot, `controller-${id}`);
        const args = ['controller', 'start', '--node-id', String(id), '--listen', voterAddresses.get(id)!, '--voters', voters, '--data-dir', dataDir, '--cluster-id', clusterId, '--log-level', logLevel];
        nodes.set(id, { id, roles: ['controller'], process: new NodeProcess(`controller-${id}`, args), brokerAddress: undefined, dataDir });
      }
    }
    for (const node of nodes.values()) node.process.start();
    const cluster = new ProcessCluster(nodes, clusterId, dataRoot);
    await cluster.waitForBrokers(brokerCount);
    return cluster;
  }

  /** Addresses of every broker (running or not): what clients bootstrap from. */
  get bootstrap(): string[] {
    return [...this.nodes.values()].flatMap((n) => (n.brokerAddress === undefined ? [] : [n.brokerAddress]));
  }

  node(id: number): ClusterNode {
    const node = this.nodes.get(id);
    if (node === undefined) throw new Error(`no node ${id}`);
    return node;
  }

  /** A client for this cluster; fast retries by default so tests measure the cluster, not backoff. */
  client(options: Partial<QuillConfig> = {}): Quill {
    return new Quill({
      brokers: this.bootstrap,
      clientId: 'quill-test',
      logLevel: LogLevel.ERROR,
      retry: { retries: 30, initialRetryTimeMs: 50, maxRetryTimeMs: 1000 },
      requestTimeoutMs: 10_000,
      ...options,
    });
  }

  /** Waits until `count` brokers are registered, unfenced and in the metadata a broker serves. */
  async waitForBrokers(count: number, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    const quill = this.client({ retry: { retries: 0 } });
    const admin = quill.admin();
    try {
      for (;;) {
        try {
          await admin.connect();
          const cluster = await admin.describeCluster();
          if (cluster.brokers.length >= count) return;
        } catch {
          // not up yet
        }
        if (Date.now() > deadline) throw new Error(`${count} brokers were not up within ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Stops brokers first (their controlled shutdown needs the controllers), then controllers, and
   * deletes the data.
   */
  async stop(): Promise<void> {
    const nodes = [...this.nodes.values()];
    await Promise.all(nodes.filter((n) => n.roles.includes('broker')).map((n) => n.process.stop()));
    await Promise.all(nodes.filter((n) => !n.roles.includes('broker')).map((n) => n.process.stop()));
    fs.rmSync(this.dataRoot, { recursive: true, force: true });
  }
}

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
}
