import { Admin, ConfigResourceTypes, IncrementalAlterConfigOperationTypes } from '@platformatic/kafka';
import { startCluster, type TestCluster } from '@quill/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** Kafka's config source numbers. */
const SOURCE_TOPIC = 1;
const SOURCE_DEFAULT = 5;

describe('@platformatic/kafka 1.x admin (flexible versions only) against a 3-broker cluster', () => {
  let cluster: TestCluster;
  let admin: Admin;

  beforeAll(async () => {
    cluster = await startCluster({ brokers: 3 });
    admin = new Admin({ clientId: 'platformatic-admin-test', bootstrapBrokers: cluster.kafkaBootstrap, retries: 8, retryDelay: 50 });
  }, 30_000);

  afterAll(async () => {
    await admin?.close();
    await cluster?.stop();
  });

  const topicConfigs = async (topic: string) => {
    const [described] = await admin.describeConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: topic, configurationKeys: [] }], includeSynonyms: true });
    return new Map(described!.configs.map((c) => [c.name, c]));
  };

  it('creates a topic and reads back its id, partitions, replicas and configs', async () => {
    const [created] = await admin.createTopics({ topics: ['pk-admin'], partitions: 2, replicas: 3, configs: [{ name: 'retention.ms', value: '3600000' }] });
    expect(created).toMatchObject({ name: 'pk-admin', partitions: 2, replicas: 3 });
    expect(created!.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(created!.id).not.toBe('00000000-0000-0000-0000-000000000000');
    expect(created!.configuration['retention.ms']).toBe('3600000');
    expect(await admin.listTopics()).toContain('pk-admin');
  });

  it('adds partitions', async () => {
    await admin.createPartitions({ topics: [{ name: 'pk-admin', count: 3 }] });
    await expect(admin.createPartitions({ topics: [{ name: 'pk-admin', count: 1 }] })).rejects.toThrow();
  });

  it('describes, alters and incrementally alters a topic’s configs', async () => {
    const before = await topicConfigs('pk-admin');
    expect(before.get('retention.ms')).toMatchObject({ value: '3600000', configSource: SOURCE_TOPIC, synonyms: [{ name: 'retention.ms', value: '3600000', source: SOURCE_TOPIC }] });
    expect(before.get('cleanup.policy')).toMatchObject({ value: 'delete', configSource: SOURCE_DEFAULT });

    await admin.incrementalAlterConfigs({
      resources: [
        {
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName: 'pk-admin',
          configs: [
            { name: 'max.message.bytes', configOperation: IncrementalAlterConfigOperationTypes.SET, value: '2000000' },
            { name: 'retention.ms', configOperation: IncrementalAlterConfigOperationTypes.DELETE },
          ],
        },
      ],
    });
    const incremented = await topicConfigs('pk-admin');
    expect(incremented.get('max.message.bytes')).toMatchObject({ value: '2000000', configSource: SOURCE_TOPIC });
    expect(incremented.get('retention.ms')).toMatchObject({ configSource: SOURCE_DEFAULT });

    await admin.alterConfigs({ resources: [{ resourceType: ConfigResourceTypes.TOPIC, resourceName: 'pk-admin', configs: [{ name: 'retention.ms', value: '60000' }] }] });
    const altered = await topicConfigs('pk-admin');
    expect(altered.get('retention.ms')).toMatchObject({ value: '60000', configSource: SOURCE_TOPIC });
    // AlterConfigs replaces the whole set: the incrementally set key is back to its default.
    expect(altered.get('max.message.bytes')).toMatchObject({ configSource: SOURCE_DEFAULT });
  });

  it('deletes records up to the high watermark of an empty partition', async () => {
    const [deleted] = await admin.deleteRecords({ topics: [{ name: 'pk-admin', partitions: [{ partition: 0, offset: -1n }] }] });
    expect(deleted!.partitions).toEqual([{ partition: 0, lowWatermark: 0n }]);
  });

  it('deletes the topic', async () => {
    await admin.deleteTopics({ topics: ['pk-admin'] });
    expect(await admin.listTopics()).not.toContain('pk-admin');
  });
});
