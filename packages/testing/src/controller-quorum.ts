import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ControllerClient } from '@quill/metadata';
import type { DescribeQuorumResponse__Output } from '@quill/proto';
import { eventually, freePorts } from '@quill/test-support';
import { NodeProcess } from './node-process.js';

export interface ControllerQuorumOptions {
  voters?: number;
  clusterId?: string;
  /** Extra `quill controller start` options, e.g. ['--snapshot-after-entries', '20']. */
  extraArgs?: readonly string[];
  logLevel?: string;
  /** Parent directory for the data dirs (a new temp dir by default, removed by stop()). */
  dataRoot?: string;
}

/** A quorum of controller processes on loopback, for failover tests and benchmarks. */
export class ControllerQuorum {
  private constructor(
    readonly nodes: ReadonlyMap<number, NodeProcess>,
    readonly addresses: ReadonlyMap<number, string>,
    readonly clusterId: string,
    private readonly dataRoot: string,
    private readonly ownsDataRoot: boolean,
  ) {}

  static async start(options: ControllerQuorumOptions = {}): Promise<ControllerQuorum> {
    const count = options.voters ?? 3;
    const clusterId = options.clusterId ?? 'quill-test';
    const dataRoot = options.dataRoot ?? fs.mkdtempSync(path.join(os.tmpdir(), 'quill-quorum-'));
    const ports = await freePorts(count);
    const addresses = new Map(ports.map((port, i) => [i + 1, `127.0.0.1:${port}`]));
    const voters = [...addresses].map(([id, address]) => `${id}@${address}`).join(',');
    const nodes = new Map<number, NodeProcess>();
    for (const [id, address] of addresses) {
      const args = [
        'controller', 'start',
        '--node-id', String(id),
        '--listen', address,
        '--voters', voters,
        '--data-dir', path.join(dataRoot, `controller-${id}`),
        '--cluster-id', clusterId,
        '--log-level', options.logLevel ?? 'info',
        ...(options.extraArgs ?? []),
      ];
      const node = new NodeProcess(`controller-${id}`, args);
      node.start();
      nodes.set(id, node);
    }
    const quorum = new ControllerQuorum(nodes, addresses, clusterId, dataRoot, options.dataRoot === undefined);
    await quorum.waitForLeader();
    return quorum;
  }

  client(options: { timeoutMs?: number } = {}): ControllerClient {
    return new ControllerClient({ controllers: [...this.addresses.values()], ...options });
  }

  /** The quorum as the active controller reports it (throws after `timeoutMs` without one). */
  async describe(timeoutMs = 30_000): Promise<DescribeQuorumResponse__Output> {
    const client = this.client({ timeoutMs });
    try {
      return await client.call<DescribeQuorumResponse__Output>('DescribeQuorum', {});
    } finally {
      client.close();
    }
  }

  /** Waits until some running node is the active controller, and returns its id. */
  async waitForLeader(timeoutMs = 60_000): Promise<number> {
    const deadline = Date.now() + timeoutMs;
    return eventually(
      async () => {
        const quorum = await this.describe(Math.max(1_000, deadline - Date.now()));
        return quorum.error === null && quorum.leaderId > 0 && this.nodes.get(quorum.leaderId)?.running ? quorum.leaderId : undefined;
      },
      { timeoutMs, intervalMs: 20, description: 'an elected controller leader' },
    );
  }

  async stop(): Promise<void> {
    await Promise.all([...this.nodes.values()].map((n) => n.stop()));
    if (this.ownsDataRoot) fs.rmSync(this.dataRoot, { recursive: true, force: true });
  }
}
