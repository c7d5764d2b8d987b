import { ErrorCode, QuillError, type CreateTopicsRequest__Output } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { afterEach, describe, expect, it } from 'vitest';
import { QuillStateError } from '../errors.js';
import { Quill } from '../quill.js';
import { ScriptedCluster } from '../test-support/scripted-cluster.js';
import type { Admin } from './admin.js';

const FAST_RETRY = { retries: 3, initialRetryTimeMs: 10, maxRetryTimeMs: 50 };

describe('Admin against scripted brokers', () => {
  let cluster: ScriptedCluster | undefined;
  const admins: Admin[] = [];

  async function connectedAdmin(): Promise<Admin> {
    const quill = new Quill({
      brokers: cluster!.addresses(),
      clientId: 'admin-test',
      logLevel: 'silent',
      retry: FAST_RETRY,
      random: new SeededRandom(2),
    });
    const admin = quill.admin();
    admins.push(admin);
    await admin.connect();
    return admin;
  }

  afterEach(async () => {
    for (const a of admins.splice(0)) await a.disconnect();
    await cluster?.stop();
    cluster = undefined;
  });

  it('createTopics resolves true when created, false when a topic already existed (KafkaJS semantics)', async () => {
    cluster = await ScriptedCluster.start([1, 2, 3]);
    const admin = await connectedAdmin();
    const created = await admin.createTopics({
      topics: [
        { topic: 'orders', numPartitions: 3, replicationFactor: 3, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] },
      ],
    });
    expect(created).toBe(true);
    const request = cluster.callsTo('CreateTopics')[0]!.request as CreateTopicsRequest__Output;
    expect(request.topics[0]).toMatchObject({
      name: 'orders',
      numPartitions: 3,
      replicationFactor: 3,
      configs: { 'cleanup.policy': 'compact' },
    });
    expect(request).toMatchObject({ validateOnly: false, timeoutMs: 5000 });
    expect(cluster.topics.get('orders')).toHaveLength(3);

    expect(await admin.createTopics({ topics: [{ topic: 'orders' }, { topic: 'payments' }] })).toBe(false);
    expect(cluster.topics.has('payments')).toBe(true);
    // Defaults: -1 asks for the cluster's defaults.
    const second = cluster.callsTo('CreateTopics')[1]!.request as CreateTopicsRequest__Output;
    expect(second.topics.map((t) => [t.name, t.numPartitions, t.replicationFactor])).toEqual([
      ['orders', -1, -1],
      ['payments', -1, -1],
    ]);
  });

  it('createTopics rejects a non-retriable error at once with its code', async () => {
    cluster = await ScriptedCluster.start([1]);
    const admin = await connectedAdmin();
    const error = await admin
      .createTopics({ topics: [{ topic: 'wide', numPartitions: 1, replicationFactor: 3 }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QuillError);
    expect(error).toMatchObject({ code: ErrorCode.INVALID_REPLICATION_FACTOR, retriable: false });
    expect((error as Error).message).toContain('replication factor 3');
    expect(cluster.callsTo('CreateTopics')).toHaveLength(1);
  });

  it('createTopics waits for leaders when the metadata lags', async () => {
    cluster = await ScriptedCluster.start([1]);
    const admin = await connectedAdmin();
    // The first metadata answer after the creation still shows the partition without a leader.
    let leaderlessAnswers = 1;
    cluster.intercept = (_node, method) => {
      if (method === 'Metadata' && cluster!.topics.has('fresh')) {
        cluster!.partition('fresh', 0).leader = leaderlessAnswers-- > 0 ? -1 : 1;
      }
      return undefined;
    };
    const metadataBefore = cluster.callsTo('Metadata').length;
    expect(await admin.createTopics({ topics: [{ topic: 'fresh' }] })).toBe(true);
    expect(cluster.callsTo('Metadata').length - metadataBefore).toBe(2);
  });

  it('fetchTopicMetadata returns partitions with leader, epoch, replicas and ISR', async () => {
    cluster = await ScriptedCluster.start([1, 2]);
    cluster.addTopic('a', [2, 1]);
    cluster.addTopic('b', [1]);
    cluster.moveLeader('a', 1, 2);
    const admin = await connectedAdmin();
    const { topics } = await admin.fetchTopicMetadata({ topics: ['a'] });
    expect(topics).toEqual([
      {
        name: 'a',
        partitions: [
          { partitionId: 0, leader: 2, leaderEpoch: 0, replicas: [2, 1], isr: [2, 1], offlineReplicas: [], partitionErrorCode: 'NONE' },
          { partitionId: 1, leader: 2, leaderEpoch: 1, replicas: [1, 2], isr: [1, 2], offlineReplicas: [], partitionErrorCode: 'NONE' },
        ],
      },
    ]);
    const all = await admin.fetchTopicMetadata();
    expect(all.topics.map((t) => t.name).sort()).toEqual(['a', 'b']);
    await expect(admin.fetchTopicMetadata({ topics: ['nope'] })).rejects.toMatchObject({
      code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    });
  });

  it('listTopics, describeCluster, fetchTopicOffsets and deleteTopics', async () => {
    cluster = await ScriptedCluster.start([1, 2]);
    cluster.addTopic('a', [1, 2]);
    cluster.addTopic('b', [2]);
    cluster.append('a', 0, [{ value: '1' }, { value: '2' }, { value: '3' }]);
    cluster.append('a', 1, [{ value: '1' }]);
    cluster.partition('a', 0).logStartOffset = 1;
    const admin = await connectedAdmin();
    expect((await admin.listTopics()).sort()).toEqual(['a', 'b']);
    expect(await admin.describeCluster()).toEqual({
      clusterId: 'scripted',
      controller: 1,
      brokers: [
        { nodeId: 1, host: '127.0.0.1', port: Number(cluster.address(1).split(':')[1]) },
        { nodeId: 2, host: '127.0.0.1', port: Number(cluster.address(2).split(':')[1]) },
      ],
    });
    expect(await admin.fetchTopicOffsets('a')).toEqual([
      { partition: 0, offset: 3, high: 3, low: 1 },
      { partition: 1, offset: 1, high: 1, low: 0 },
    ]);
    await admin.deleteTopics({ topics: ['b'] });
    expect(await admin.listTopics()).toEqual(['a']);
    await expect(admin.deleteTopics({ topics: ['b'] })).rejects.toMatchObject({ code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION });
    expect(cluster.callsTo('DeleteTopics')).toHaveLength(2);
  });

  it('refuses calls before connect', async () => {
    cluster = await ScriptedCluster.start([1]);
    const admin = new Quill({ brokers: cluster.addresses(), logLevel: 'silent' }).admin();
    await expect(admin.listTopics()).rejects.toBeInstanceOf(QuillStateError);
  });
});
