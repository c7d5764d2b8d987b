import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrokerHeartbeatResponse__Output, CreateTopicsResponse__Output, RegisterBrokerResponse__Output } from '@quill/proto';
import { eventually, freePort } from '@quill/test-support';
import { pino } from 'pino';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ControllerClient, topicByName } from '@quill/metadata';
import type { HostPort } from '../config.js';
import { ControllerNode } from './controller-node.js';

const logger = pino({ level: process.env['QUILL_LOG_LEVEL'] ?? 'silent' });
const CLUSTER = 'test-cluster';
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-controller-'));
const nodes = new Map<number, ControllerNode>();
let client: ControllerClient | undefined;

afterEach(async () => {
  client?.close();
  await Promise.all([...nodes.values()].map((n) => n.stop()));
  nodes.clear();
  fs.rmSync(root, { recursive: true, force: true });
  fs.mkdirSync(root);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

async function startNode(id: number, voters: Map<number, HostPort>, snapshotAfterEntries = 10_000): Promise<ControllerNode> {
  const node = await ControllerNode.start({
    nodeId: id,
    clusterId: CLUSTER,
    listen: voters.get(id)!,
    voters,
    dataDir: path.join(root, `c${id}`),
    logger,
    snapshotAfterEntries,
    brokerSessionTimeoutMs: 60_000,
  });
  nodes.set(id, node);
  return node;
}

const leader = (): ControllerNode | undefined => [...nodes.values()].find((n) => n.isActive);

async function registerBrokers(c: ControllerClient, ids: number[]): Promise<void> {
  for (const brokerId of ids) {
    const registered = await c.call<RegisterBrokerResponse__Output>('RegisterBroker', {
      clusterId: CLUSTER,
      brokerId,
      incarnationId: `inc-${brokerId}`,
      listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9000 + brokerId }],
    });
    expect(registered.error).toBeNull();
    // Caught up (offset far ahead): the first heartbeat unfences.
    const beat = await c.call<BrokerHeartbeatResponse__Output>('BrokerHeartbeat', { brokerId, brokerEpoch: registered.brokerEpoch, metadataOffset: 1e12 });
    expect(beat.isFenced).toBe(false);
  }
}

describe('controller quorum (in process, real gRPC and level)', () => {
  it('elects a leader, commits topic creations, survives the loss of the leader, and a restarted node catches up from a snapshot', async () => {
    const voters = new Map<number, HostPort>();
    for (const id of [1, 2, 3]) voters.set(id, { host: '127.0.0.1', port: await freePort() });
    for (const id of [1, 2, 3]) await startNode(id, voters, 20);
    client = new ControllerClient({ controllers: [...voters.values()].map((a) => `${a.host}:${a.port}`) });
    await registerBrokers(client, [101, 102, 103]);

    const created: string[] = [];
    for (let i = 0; i < 30; i++) {
      const response = await client.call<CreateTopicsResponse__Output>('CreateTopics', { topics: [{ name: `t${i}`, numPartitions: 3, replicationFactor: 3 }] });
      expect(response.topics[0]!.errorCode).toBe('NONE');
      created.push(`t${i}`);
    }
    const old = await eventually(leader);
    await old.stop();
    nodes.delete(old.config.nodeId);
    const next = await eventually(leader);
    expect(next.config.nodeId).not.toBe(old.config.nodeId);
    for (let i = 30; i < 60; i++) {
      const response = await client.call<CreateTopicsResponse__Output>('CreateTopics', { topics: [{ name: `t${i}`, numPartitions: 1, replicationFactor: 2 }] });
      expect(response.topics[0]!.errorCode).toBe('NONE');
      created.push(`t${i}`);
    }
    const again = await client.call<CreateTopicsResponse__Output>('CreateTopics', { topics: [{ name: 't5', numPartitions: 1, replicationFactor: 1 }] });
    expect(again.topics[0]!.errorCode).toBe('TOPIC_ALREADY_EXISTS');

    // The stopped node rejoins; the log was compacted meanwhile, so it catches up by snapshot.
    const restarted = await startNode(old.config.nodeId, voters, 20);
    await eventually(() => created.every((name) => topicByName(restarted.metadata.current, name) !== undefined) || undefined);
    expect(restarted.driver.snapshotsInstalled).toBeGreaterThan(0);
    for (const node of nodes.values()) expect(node.metadata.current.topicIdsByName.size).toBe(60);
  });

  it('restarts every node from its own snapshot and log after a full stop', async () => {
    const voters = new Map<number, HostPort>();
    for (const id of [1, 2, 3]) voters.set(id, { host: '127.0.0.1', port: await freePort() });
    for (const id of [1, 2, 3]) await startNode(id, voters, 15);
    client = new ControllerClient({ controllers: [...voters.values()].map((a) => `${a.host}:${a.port}`) });
    await registerBrokers(client, [101, 102]);
    for (let i = 0; i < 40; i++) {
      const response = await client.call<CreateTopicsResponse__Output>('CreateTopics', { topics: [{ name: `r${i}`, numPartitions: 1, replicationFactor: 2 }] });
      expect(response.topics[0]!.errorCode).toBe('NONE');
    }
    await Promise.all([...nodes.values()].map((n) => n.stop()));
    nodes.clear();
    for (const id of [1, 2, 3]) await startNode(id, voters, 15);
    const restarted = [...nodes.values()];
    await eventually(() => restarted.every((n) => n.metadata.current.topicIdsByName.size === 40) || undefined);
    const response = await client.call<CreateTopicsResponse__Output>('CreateTopics', { topics: [{ name: 'after-restart', numPartitions: 1, replicationFactor: 2 }] });
    expect(response.topics[0]!.errorCode).toBe('NONE');
    expect(restarted.every((n) => n.metadata.current.brokers.size === 2)).toBe(true);
  });
});
