import { ErrorCode, QuillError } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionPool } from '../network/index.js';
import type { RetryOptions } from '../retry/index.js';
import { ScriptedCluster, deadAddress } from '../test-support/scripted-cluster.js';
import { Cluster } from './cluster.js';

const logger = pino({ level: 'silent' });
const FAST_RETRY: RetryOptions = { retries: 3, initialRetryTimeMs: 10, maxRetryTimeMs: 50, factor: 0.2, multiplier: 2 };

describe('Cluster', () => {
  let scripted: ScriptedCluster | undefined;
  const clusters: Cluster[] = [];
  let nowMs = 1_000;

  function makeCluster(brokers: string[], metadataMaxAgeMs = 300_000): Cluster {
    const pool = new ConnectionPool({ clientId: 'cluster-test', logger, requestTimeoutMs: 5_000 });
    const cluster = new Cluster({
      brokers,
      pool,
      logger,
      retry: FAST_RETRY,
      random: new SeededRandom(5),
      metadataMaxAgeMs,
      allowAutoTopicCreation: false,
      now: () => nowMs,
    });
    clusters.push(cluster);
    return cluster;
  }

  afterEach(async () => {
    for (const c of clusters.splice(0)) c.disconnect();
    await scripted?.stop();
    scripted = undefined;
  });

  it('bootstraps from the second address when the first is dead', async () => {
    scripted = await ScriptedCluster.start([1, 2, 3]);
    const dead = await deadAddress();
    const cluster = makeCluster([dead, scripted.address(2)]);
    await cluster.connect();
    expect(cluster.isConnected).toBe(true);
    expect(cluster.brokerIds().sort()).toEqual([1, 2, 3]);
    expect(scripted.callsTo('Metadata').map((c) => c.nodeId)).toEqual([2]);
    // The brokers are known by the addresses the metadata gave.
    expect(cluster.snapshot().brokers.get(3)?.address).toBe(scripted.address(3));
  });

  it('fails with a retriable NETWORK_EXCEPTION when no address answers, after its retries', async () => {
    const cluster = makeCluster([await deadAddress(), await deadAddress()]);
    const error = await cluster.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuillError);
    expect(error).toMatchObject({ code: ErrorCode.NETWORK_EXCEPTION, retriable: true });
    expect((error as Error).message).toMatch(/gave up after 3 retries/);
    expect(cluster.isConnected).toBe(false);
  });

  it('caches topics with leaders, epochs, replicas and ISR, and finds the leader connection', async () => {
    scripted = await ScriptedCluster.start([1, 2, 3]);
    scripted.addTopic('orders', [2, 3, 1]);
    const cluster = makeCluster([scripted.address(1)]);
    await cluster.connect();
    await cluster.addTargetTopics(['orders']);
    const partitions = cluster.partitionsFor('orders');
    expect(partitions.map((p) => [p.partitionId, p.leader, p.leaderEpoch])).toEqual([
      [0, 2, 0],
      [1, 3, 0],
      [2, 1, 0],
    ]);
    expect(partitions[0]).toMatchObject({ replicas: [2, 1, 3], isr: [2, 1, 3], partitionErrorCode: 'NONE' });
    expect(cluster.leaderFor('orders', 1)).toEqual({ nodeId: 3, leaderEpoch: 0, address: scripted.address(3) });
    expect(cluster.connectionTo(3).address).toBe(scripted.address(3));
    expect(() => cluster.connectionTo(9)).toThrow(expect.objectContaining({ code: ErrorCode.BROKER_NOT_AVAILABLE }));
  });

  it('reports an unknown topic or partition as retriable UNKNOWN_TOPIC_OR_PARTITION, and a leaderless one as LEADER_NOT_AVAILABLE', async () => {
    scripted = await ScriptedCluster.start([1]);
    scripted.addTopic('t', [1]);
    const cluster = makeCluster([scripted.address(1)]);
    await cluster.connect();
    await cluster.addTargetTopics(['t', 'missing']);
    for (const failing of [() => cluster.partitionsFor('missing'), () => cluster.leaderFor('t', 5)]) {
      expect(failing).toThrow(expect.objectContaining({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, retriable: true }));
    }
    // A topic that is still missing keeps metadata stale, so the next use refreshes.
    expect(cluster.isStale()).toBe(true);
    scripted.partition('t', 0).leader = -1;
    await cluster.refreshMetadata();
    expect(() => cluster.leaderFor('t', 0)).toThrow(expect.objectContaining({ code: ErrorCode.LEADER_NOT_AVAILABLE }));
  });

  it('refreshes when marked stale or older than metadataMaxAgeMs, and only then', async () => {
    scripted = await ScriptedCluster.start([1, 2]);
    scripted.addTopic('t', [1]);
    const cluster = makeCluster([scripted.address(1)], 10_000);
    await cluster.connect();
    await cluster.addTargetTopics(['t']);
    const count = (): number => scripted!.callsTo('Metadata').length;
    const before = count();
    await cluster.refreshMetadataIfNecessary();
    expect(count()).toBe(before);

    scripted.moveLeader('t', 0, 2);
    cluster.markStale('NOT_LEADER_OR_FOLLOWER');
    await cluster.refreshMetadataIfNecessary();
    expect(count()).toBe(before + 1);
    expect(cluster.leaderFor('t', 0)).toMatchObject({ nodeId: 2, leaderEpoch: 1 });

    nowMs += 9_999;
    await cluster.refreshMetadataIfNecessary();
    expect(count()).toBe(before + 1);
    nowMs += 1;
    await cluster.refreshMetadataIfNecessary();
    expect(count()).toBe(before + 2);
  });

  it('shares one request between concurrent refreshes', async () => {
    scripted = await ScriptedCluster.start([1]);
    scripted.addTopic('t', [1]);
    const cluster = makeCluster([scripted.address(1)]);
    await cluster.connect();
    await cluster.addTargetTopics(['t']);
    const before = scripted.callsTo('Metadata').length;
    await Promise.all([cluster.refreshMetadata(), cluster.refreshMetadata(), cluster.refreshMetadata()]);
    expect(scripted.callsTo('Metadata').length).toBe(before + 1);
  });

  it('drops an answer older than the metadata it holds, and stays stale', async () => {
    scripted = await ScriptedCluster.start([1, 2]);
    scripted.addTopic('t', [1]);
    const cluster = makeCluster([scripted.address(1)]);
    await cluster.connect();
    scripted.moveLeader('t', 0, 2);
    await cluster.addTargetTopics(['t']);
    expect(cluster.leaderFor('t', 0).nodeId).toBe(2);
    // A lagging broker answers with the old leader and an older metadata offset.
    scripted.partition('t', 0).leader = 1;
    scripted.metadataOffset -= 5;
    cluster.markStale('test');
    await cluster.refreshMetadata();
    expect(cluster.leaderFor('t', 0).nodeId).toBe(2);
    expect(cluster.isStale()).toBe(true);
  });

  it('tries the next broker when the one it asks is down', async () => {
    scripted = await ScriptedCluster.start([1, 2]);
    scripted.addTopic('t', [1]);
    const cluster = makeCluster([scripted.address(1)]);
    await cluster.connect();
    scripted.stopNode(1);
    await cluster.addTargetTopics(['t']);
    expect(cluster.partitionsFor('t')).toHaveLength(1);
    expect(scripted.callsTo('Metadata', 2).length).toBeGreaterThan(0);
  });
});
