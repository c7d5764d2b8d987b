import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BrokerHeartbeatResponse__Output, CreateTopicsResponse__Output, FetchMetadataResponse__Output, RegisterBrokerResponse__Output } from '@quill/proto';
import { eventually, freePort } from '@quill/test-support';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ControllerClient, DEFAULT_METADATA_FETCH_TIMEOUT_MS, MetadataFollower, topicByName } from '@quill/metadata';
import type { HostPort } from '../config.js';
import { ControllerNode } from './controller-node.js';
import { FreezingProxy } from '../test-support/freezing-proxy.js';

// A follower streaming the metadata log from an active controller that stops dead (SIGSTOP, a
// hung host): the stream neither errors nor ends. The quorum elects another controller, which
// commits new records; the follower must leave the silent stream and see them. The "pause" is
// the stopped node's Raft driver (its peers hear nothing) plus a frozen proxy between it and
// the follower (no byte moves, no connection closes).

const logger = pino({ level: process.env['QUILL_LOG_LEVEL'] ?? 'silent' });
const CLUSTER = 'follower-test';

let root: string | undefined;
const nodes = new Map<number, ControllerNode>();
const proxies = new Map<number, FreezingProxy>();
const clients: ControllerClient[] = [];
let follower: MetadataFollower | undefined;

afterEach(async () => {
  follower?.stop();
  for (const client of clients.splice(0)) client.close();
  await Promise.all([...nodes.values()].map((n) => n.stop()));
  await Promise.all([...proxies.values()].map((p) => p.close()));
  nodes.clear();
  proxies.clear();
  if (root !== undefined) fs.rmSync(root, { recursive: true, force: true });
  root = follower = undefined;
});

async function startQuorum(): Promise<Map<number, HostPort>> {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-follower-'));
  const voters = new Map<number, HostPort>();
  for (const id of [1, 2, 3]) voters.set(id, { host: '127.0.0.1', port: await freePort() });
  for (const id of [1, 2, 3]) {
    nodes.set(id, await ControllerNode.start({ nodeId: id, clusterId: CLUSTER, listen: voters.get(id)!, voters, dataDir: path.join(root, `c${id}`), logger, brokerSessionTimeoutMs: 600_000 }));
    proxies.set(id, await FreezingProxy.start(voters.get(id)!));
  }
  return voters;
}

function controllerClient(addresses: string[], options: { attemptTimeoutMs?: number; leaderAddressOverrides?: Record<number, string> } = {}): ControllerClient {
  const client = new ControllerClient({ controllers: addresses, ...options });
  clients.push(client);
  return client;
}

async function createTopic(client: ControllerClient, name: string): Promise<void> {
  const response = await client.call<CreateTopicsResponse__Output>('CreateTopics', { topics: [{ name, numPartitions: 1, replicationFactor: 1 }] });
  expect(response.topics[0]!.errorCode).toBe('NONE');
}

/**
 * Three controllers, one broker registered and a topic 'before' that the follower (dialling every
 * controller through its proxy) has seen; then the active controller "pauses", a new one is
 * elected and creates 'after'. Returns the client the follower uses.
 */
async function pauseActiveControllerUnderFollower(followerOptions: { fetchTimeoutMs?: number }, clientOptions: { attemptTimeoutMs?: number } = {}) {
  const voters = await startQuorum();
  const admin = controllerClient([...voters.values()].map((a) => `${a.host}:${a.port}`));
  const registered = await admin.call<RegisterBrokerResponse__Output>('RegisterBroker', {
    clusterId: CLUSTER,
    brokerId: 101,
    incarnationId: 'inc-101',
    listeners: [{ listenerName: 'PLAINTEXT', host: '127.0.0.1', port: 9101 }],
  });
  const beat = await admin.call<BrokerHeartbeatResponse__Output>('BrokerHeartbeat', { brokerId: 101, brokerEpoch: registered.brokerEpoch, metadataOffset: 1e12 });
  expect(beat.isFenced).toBe(false);
  await createTopic(admin, 'before');

  const proxied = Object.fromEntries([...proxies].map(([id, proxy]) => [id, proxy.address]));
  const client = controllerClient(Object.values(proxied), { ...clientOptions, leaderAddressOverrides: proxied });
  follower = new MetadataFollower({ client, controllers: Object.values(proxied), clusterId: CLUSTER, logger, ...followerOptions });
  follower.start();
  await follower.waitFor((s) => topicByName(s, 'before') !== undefined, 10_000);

  const paused = await eventually(() => [...nodes.values()].find((n) => n.isActive));
  proxies.get(paused.config.nodeId)!.freeze();
  await paused.driver.stop();
  const others = [...nodes.values()].filter((n) => n !== paused);
  await eventually(() => others.find((n) => n.isActive), { timeoutMs: 10_000 });
  await createTopic(controllerClient(others.map((n) => `127.0.0.1:${n.port}`)), 'after');
  return client;
}

describe('the active controller on an idle metadata stream', () => {
  it('sends a keepalive (no payload, the committed offset) at least every metadata.max.idle.interval.ms', async () => {
    const voters = await startQuorum();
    const client = controllerClient([...voters.values()].map((a) => `${a.host}:${a.port}`));
    await client.call('DescribeQuorum', {});
    // Once its own no-op is applied (it can decide), the idle log's offset no longer moves.
    const active = await eventually(() => [...nodes.values()].find((n) => n.isActive && n.driver.canDecide));
    const applied = active.metadata.current.offset;
    // Straight to the node that is active now: the client's own idea of the active controller
    // may be an earlier leader, which answers NOT_CONTROLLER instead of keepalives.
    const stream = client.client(`127.0.0.1:${active.port}`).FetchMetadata({ clusterId: CLUSTER, brokerId: -1, brokerEpoch: -1, fromOffset: applied + 1 });
    const keepalives: Array<{ atMs: number; highWatermark: number }> = [];
    const answers: string[] = [];
    stream.on('data', (message: FetchMetadataResponse__Output) => {
      if (message.payload === undefined && message.error === null) keepalives.push({ atMs: Date.now(), highWatermark: Number(message.highWatermark) });
      else if (message.error !== null) answers.push(`${message.error.code}: ${message.error.message}`);
    });
    stream.on('error', (error: Error) => answers.push(error.message));
    const startedMs = Date.now();
    try {
      await eventually(
        () => {
          if (keepalives.length >= 4) return true;
          throw new Error(`${keepalives.length} keepalives so far; other answers: ${answers.join('; ') || 'none'}`);
        },
        { timeoutMs: 10_000, description: '4 keepalives' },
      );
    } finally {
      stream.cancel();
    }
    const gaps = keepalives.map((k, i) => k.atMs - (i === 0 ? startedMs : keepalives[i - 1]!.atMs));
    // The interval plus the check's granularity (half an interval), with room for a loaded machine.
    for (const gap of gaps) expect(gap, `gaps between keepalives: ${gaps.join(', ')} ms`).toBeLessThan(DEFAULT_METADATA_FETCH_TIMEOUT_MS / 2);
    for (const k of keepalives) expect(k.highWatermark).toBe(applied);
  });
});

describe('MetadataFollower when the active controller stops dead', () => {
  it('leaves the silent stream after the fetch timeout and follows the new active controller', async () => {
    await pauseActiveControllerUnderFollower({});
    const state = await follower!.waitFor((s) => topicByName(s, 'after') !== undefined, 10_000);
    expect(topicByName(state, 'before')).toBeDefined();
  });

  it('switches at once when its controller client learns of another active controller', async () => {
    // The fetch timeout cannot fire within this test: only the client's news can move the stream.
    const client = await pauseActiveControllerUnderFollower({ fetchTimeoutMs: 120_000 }, { attemptTimeoutMs: 300 });
    // A broker's heartbeat does this: the silent controller times out, the next one hints the new leader.
    await client.call('DescribeQuorum', {});
    await follower!.waitFor((s) => topicByName(s, 'after') !== undefined, 5_000);
  });
});
