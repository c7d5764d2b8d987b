import { startCluster, type TestCluster } from '@quill/testing';
import { ConfigResourceTypes, Kafka, logLevel, Partitioners, type Admin } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** KafkaJS's config source numbers (its ConfigSource enum is not exported by name in its types). */
const SOURCE_TOPIC = 1;
const SOURCE_DYNAMIC_BROKER = 2;
const SOURCE_DEFAULT = 5;

describe('KafkaJS 2.2.4 admin against a 3-broker cluster', () => {
  let cluster: TestCluster;
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3 });
    kafka = new Kafka({ clientId: 'kafkajs-admin-test', brokers: cluster.kafkaBootstrap, logLevel: logLevel.NOTHING, retry: { initialRetryTime: 50, retries: 8 } });
    admin = kafka.admin();
    await admin.connect();
  }, 30_000);

  afterAll(async () => {
    await admin?.disconnect();
    await cluster?.stop();
  });

  it('describes the cluster with the brokers’ Kafka endpoints and a live broker as controller', async () => {
    const described = await admin.describeCluster();
    expect(described.brokers.map((b) => `${b.host}:${b.port}`).sort()).toEqual([...cluster.kafkaBootstrap].sort());
    expect(described.brokers.map((b) => b.nodeId).sort()).toEqual([...cluster.brokerIds].sort());
    expect(cluster.brokerIds).toContain(described.controller);
    expect(described.clusterId).not.toBe('');
  });

  it('creates topics with configs and a replica assignment, and adds partitions', async () => {
    const [a, b, c] = cluster.brokerIds as [number, number, number];
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'admin-configured', numPartitions: 2, replicationFactor: 3, configEntries: [{ name: 'retention.ms', value: '3600000' }] },
        { topic: 'admin-assigned', replicaAssignment: [{ partition: 0, replicas: [b, c] }, { partition: 1, replicas: [c, a] }] },
      ],
    });
    expect(created).toBe(true);
    expect(await admin.createTopics({ topics: [{ topic: 'admin-configured', numPartitions: 1 }] })).toBe(false);

    const { topics } = await admin.fetchTopicMetadata({ topics: ['admin-configured', 'admin-assigned'] });
    const byName = new Map(topics.map((t) => [t.name, t.partitions.sort((x, y) => x.partitionId - y.partitionId)]));
    expect(byName.get('admin-configured')!.map((p) => p.replicas.length)).toEqual([3, 3]);
    expect(byName.get('admin-assigned')!.map((p) => p.replicas)).toEqual([
      [b, c],
      [c, a],
    ]);

    await admin.createPartitions({ topicPartitions: [{ topic: 'admin-configured', count: 4 }] });
    const grown = await admin.fetchTopicMetadata({ topics: ['admin-configured'] });
    expect(grown.topics[0]!.partitions).toHaveLength(4);
    await expect(admin.createPartitions({ topicPartitions: [{ topic: 'admin-configured', count: 2 }] })).rejects.toThrow();
  });

  it('describes and alters the configs of a topic and of a broker', async () => {
    const topicConfigs = async () => {
      const { resources } = await admin.describeConfigs({ includeSynonyms: true, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'admin-configured' }] });
      return new Map(resources[0]!.configEntries.map((e) => [e.configName, e]));
    };
    const before = await topicConfigs();
    expect(before.get('retention.ms')).toMatchObject({ configValue: '3600000', isDefault: false, configSource: SOURCE_TOPIC });
    expect(before.get('retention.ms')!.configSynonyms).toEqual([{ configName: 'retention.ms', configValue: '3600000', configSource: SOURCE_TOPIC }]);
    expect(before.get('cleanup.policy')).toMatchObject({ configValue: 'delete', isDefault: true, configSource: SOURCE_DEFAULT });

    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'admin-configured', configEntries: [{ name: 'retention.ms', value: '7200000' }] }] });
    expect((await topicConfigs()).get('retention.ms')).toMatchObject({ configValue: '7200000', configSource: SOURCE_TOPIC });
    await expect(
      admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.TOPIC, name: 'admin-configured', configEntries: [{ name: 'retention.ms', value: 'soon' }] }] }),
    ).rejects.toThrow();

    const broker = String(cluster.brokerIds[0]);
    const brokerConfig = async () => {
      const { resources } = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: ConfigResourceTypes.BROKER, name: broker }] });
      return resources[0]!.configEntries.find((e) => e.configName === 'follower.replication.throttled.rate');
    };
    expect(await brokerConfig()).toMatchObject({ configValue: '-1', isDefault: true, configSource: SOURCE_DEFAULT });
    await admin.alterConfigs({ validateOnly: false, resources: [{ type: ConfigResourceTypes.BROKER, name: broker, configEntries: [{ name: 'follower.replication.throttled.rate', value: '1048576' }] }] });
    expect(await brokerConfig()).toMatchObject({ configValue: '1048576', isDefault: false, configSource: SOURCE_DYNAMIC_BROKER });
  });

  it('deletes records up to an offset, which moves the low watermark', async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      // Partition 1 gets a record too, so the group's consumer below finds data on both partitions' leaders and does not long-poll.
      const messages = [...Array.from({ length: 5 }, (_, i) => ({ partition: 0, value: `record-${i}` })), { partition: 1, value: 'record-p1' }];
      await producer.send({ topic: 'admin-assigned', messages });
    } finally {
      await producer.disconnect();
    }
    const high = (await admin.fetchTopicOffsets('admin-assigned')).find((o) => o.partition === 0)!.high;
    expect(Number(high)).toBeGreaterThanOrEqual(5);
    await admin.deleteTopicRecords({ topic: 'admin-assigned', partitions: [{ partition: 0, offset: '3' }] });
    const offsets = await admin.fetchTopicOffsets('admin-assigned');
    expect(offsets.find((o) => o.partition === 0)).toMatchObject({ low: '3', high });
  });

  it('sets, fetches and resets a group’s offsets, lists, describes and deletes the group', async () => {
    const groupId = 'admin-offsets-group';
    await admin.setOffsets({ groupId, topic: 'admin-assigned', partitions: [{ partition: 0, offset: '4' }] });
    const fetched = await admin.fetchOffsets({ groupId, topics: ['admin-assigned'] });
    expect(fetched[0]!.partitions.find((p) => p.partition === 0)).toMatchObject({ offset: '4' });

    await admin.resetOffsets({ groupId, topic: 'admin-assigned', earliest: true });
    const reset = await admin.fetchOffsets({ groupId, topics: ['admin-assigned'] });
    // KafkaJS commits -2 (earliest) itself, for its consumers to resolve, as Kafka stores it.
    expect(reset[0]!.partitions.find((p) => p.partition === 0)).toMatchObject({ offset: '-2' });

    expect((await admin.listGroups()).groups.map((g) => g.groupId)).toContain(groupId);
    const described = await admin.describeGroups([groupId]);
    expect(described.groups[0]).toMatchObject({ groupId, state: 'Empty', members: [] });

    await admin.deleteGroups([groupId]);
    expect((await admin.listGroups()).groups.map((g) => g.groupId)).not.toContain(groupId);
  });

  it('deletes topics', async () => {
    await admin.deleteTopics({ topics: ['admin-configured', 'admin-assigned'] });
    const remaining = await admin.listTopics();
    expect(remaining).not.toContain('admin-configured');
    expect(remaining).not.toContain('admin-assigned');
  });
});
