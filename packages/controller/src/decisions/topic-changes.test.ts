import { AlterConfigOp, ConfigResourceType, ErrorCode } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { configEntries, partitionsOf, topicByName } from '@quill/metadata';
import { MetadataCluster, seededUuids } from '../test-support/metadata-cluster.js';
import { alterConfigs, incrementalAlterConfigs } from './alter-configs.js';
import { createPartitions } from './create-partitions.js';
import { createTopic, DEFAULT_TOPIC_CREATION_POLICY } from './create-topics.js';
import type { Decision } from './decision.js';
import { deleteTopic } from './delete-topics.js';
import { allocateProducerIds, PRODUCER_ID_BLOCK_SIZE } from './producer-ids.js';

const TOPIC = ConfigResourceType.CONFIG_RESOURCE_TYPE_TOPIC;

function withTopic(): MetadataCluster {
  const c = new MetadataCluster(seededUuids(new SeededRandom(21)));
  [1, 2, 3].forEach((id) => c.addBroker(id));
  c.expect(createTopic(c.state, { name: 't', numPartitions: 2, replicationFactor: 2, assignments: [], configs: { 'retention.ms': '5' } }, c.topicContext));
  return c;
}

function codeOf<T>(decision: Decision<T>): string {
  return decision.ok ? 'ok' : decision.error.code;
}

describe('deleteTopic', () => {
  it('removes the topic, its partitions and its configs, by name or by id', () => {
    const c = withTopic();
    const topicId = topicByName(c.state, 't')!.topicId;
    expect(c.expect(deleteTopic(c.state, { topicId }))).toEqual({ name: 't', topicId });
    expect(topicByName(c.state, 't')).toBeUndefined();
    expect(configEntries(c.state, { kind: 'topic', name: 't' }).size).toBe(0);
    expect(codeOf(deleteTopic(c.state, { name: 't' }))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    expect(codeOf(deleteTopic(c.state, { topicId }))).toBe(ErrorCode.UNKNOWN_TOPIC_ID);
    // A new topic of the same name is a different topic, starting from defaults.
    const again = c.expect(createTopic(c.state, { name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: {} }, c.topicContext));
    expect(again.topicId).not.toBe(topicId);
  });
});

describe('createPartitions', () => {
  const policy = DEFAULT_TOPIC_CREATION_POLICY;

  it('adds partitions with the topic replication factor, balanced with the rest', () => {
    const c = withTopic();
    expect(c.expect(createPartitions(c.state, { name: 't', count: 5, assignments: [] }, policy))).toMatchObject({ previousCount: 2, count: 5 });
    const partitions = partitionsOf(topicByName(c.state, 't')!);
    expect(partitions.map((p) => p.replicas.length)).toEqual([2, 2, 2, 2, 2]);
    const perBroker = [1, 2, 3].map((id) => partitions.filter((p) => p.replicas.includes(id)).length);
    expect(Math.max(...perBroker) - Math.min(...perBroker)).toBeLessThanOrEqual(1);
  });

  it('only ever increases the count', () => {
    const c = withTopic();
    expect(codeOf(createPartitions(c.state, { name: 't', count: 2, assignments: [] }, policy))).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(codeOf(createPartitions(c.state, { name: 't', count: 1, assignments: [] }, policy))).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(codeOf(createPartitions(c.state, { name: 't', count: 10_001, assignments: [] }, policy))).toBe(ErrorCode.INVALID_PARTITIONS);
    expect(codeOf(createPartitions(c.state, { name: 'nope', count: 3, assignments: [] }, policy))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('checks explicit assignments of the new partitions', () => {
    const c = withTopic();
    const ok = createPartitions(c.state, { name: 't', count: 3, assignments: [{ partition: 2, brokerIds: [3, 1] }] }, policy);
    expect(codeOf(ok)).toBe('ok');
    const wrongFactor = createPartitions(c.state, { name: 't', count: 3, assignments: [{ partition: 2, brokerIds: [3] }] }, policy);
    expect(codeOf(wrongFactor)).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const wrongIndex = createPartitions(c.state, { name: 't', count: 3, assignments: [{ partition: 0, brokerIds: [3, 1] }] }, policy);
    expect(codeOf(wrongIndex)).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    const tooFew = createPartitions(c.state, { name: 't', count: 4, assignments: [{ partition: 2, brokerIds: [3, 1] }] }, policy);
    expect(codeOf(tooFew)).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
  });

  it('needs enough live brokers for the replication factor', () => {
    const c = withTopic();
    c.heartbeat(2, { wantFence: true });
    c.heartbeat(3, { wantFence: true });
    expect(codeOf(createPartitions(c.state, { name: 't', count: 3, assignments: [] }, policy))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
  });
});

describe('config alteration', () => {
  it('replaces the whole dynamic config with AlterConfigs, writing only what changes', () => {
    const c = withTopic();
    const decision = alterConfigs(c.state, { resourceType: TOPIC, resourceName: 't' }, { 'segment.ms': '100', 'retention.ms': '5' });
    expect(decision.ok && decision.records).toHaveLength(1);
    c.expect(decision);
    c.expect(alterConfigs(c.state, { resourceType: TOPIC, resourceName: 't' }, { 'segment.ms': '100' }));
    expect([...configEntries(c.state, { kind: 'topic', name: 't' })]).toEqual([['segment.ms', '100']]);
  });

  it('applies SET, DELETE, APPEND and SUBTRACT', () => {
    const c = withTopic();
    const resource = { resourceType: TOPIC, resourceName: 't' };
    c.expect(
      incrementalAlterConfigs(c.state, resource, [
        { name: 'cleanup.policy', op: AlterConfigOp.ALTER_CONFIG_OP_APPEND, value: 'compact' },
        { name: 'retention.ms', op: AlterConfigOp.ALTER_CONFIG_OP_DELETE },
        { name: 'min.insync.replicas', op: AlterConfigOp.ALTER_CONFIG_OP_SET, value: '2' },
      ]),
    );
    expect([...configEntries(c.state, { kind: 'topic', name: 't' })].sort()).toEqual([
      ['cleanup.policy', 'delete,compact'],
      ['min.insync.replicas', '2'],
    ]);
    c.expect(incrementalAlterConfigs(c.state, resource, [{ name: 'cleanup.policy', op: AlterConfigOp.ALTER_CONFIG_OP_SUBTRACT, value: 'delete' }]));
    expect(configEntries(c.state, { kind: 'topic', name: 't' }).get('cleanup.policy')).toBe('compact');
  });

  it.each([
    [[{ name: 'min.insync.replicas', op: AlterConfigOp.ALTER_CONFIG_OP_SET, value: '3' }], ErrorCode.INVALID_CONFIG],
    [[{ name: 'retention.ms', op: AlterConfigOp.ALTER_CONFIG_OP_APPEND, value: '3' }], ErrorCode.INVALID_CONFIG],
    [[{ name: 'cleanup.policy', op: AlterConfigOp.ALTER_CONFIG_OP_SUBTRACT, value: 'delete' }], ErrorCode.INVALID_CONFIG],
    [[{ name: 'bogus', op: AlterConfigOp.ALTER_CONFIG_OP_SET, value: '3' }], ErrorCode.INVALID_CONFIG],
    [[{ name: 'retention.ms', op: AlterConfigOp.ALTER_CONFIG_OP_SET }], ErrorCode.INVALID_REQUEST],
    [[{ name: 'retention.ms', op: AlterConfigOp.ALTER_CONFIG_OP_UNSPECIFIED, value: '1' }], ErrorCode.INVALID_REQUEST],
    [
      [
        { name: 'retention.ms', op: AlterConfigOp.ALTER_CONFIG_OP_SET, value: '1' },
        { name: 'retention.ms', op: AlterConfigOp.ALTER_CONFIG_OP_DELETE },
      ],
      ErrorCode.INVALID_REQUEST,
    ],
  ])('refuses %j', (operations, code) => {
    const c = withTopic();
    expect(codeOf(incrementalAlterConfigs(c.state, { resourceType: TOPIC, resourceName: 't' }, operations))).toBe(code);
  });

  it('checks the resource', () => {
    const c = withTopic();
    expect(codeOf(alterConfigs(c.state, { resourceType: TOPIC, resourceName: 'nope' }, {}))).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const broker = ConfigResourceType.CONFIG_RESOURCE_TYPE_BROKER;
    expect(codeOf(alterConfigs(c.state, { resourceType: broker, resourceName: 'one' }, {}))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(alterConfigs(c.state, { resourceType: broker, resourceName: '1' }, { 'retention.ms': '9' }))).toBe('ok');
    expect(codeOf(alterConfigs(c.state, { resourceType: broker, resourceName: '1' }, { 'follower.replication.throttled.rate': '1000' }))).toBe('ok');
    const cluster = ConfigResourceType.CONFIG_RESOURCE_TYPE_CLUSTER;
    expect(codeOf(alterConfigs(c.state, { resourceType: cluster, resourceName: 'x' }, {}))).toBe(ErrorCode.INVALID_REQUEST);
    expect(codeOf(alterConfigs(c.state, { resourceType: cluster, resourceName: '' }, { 'follower.replication.throttled.rate': '1000' }))).toBe('ok');
    expect(codeOf(alterConfigs(c.state, { resourceType: cluster, resourceName: '' }, { 'follower.replication.throttled.rate': '0' }))).toBe(ErrorCode.INVALID_CONFIG);
    expect(codeOf(alterConfigs(c.state, { resourceType: TOPIC, resourceName: 't' }, { 'follower.replication.throttled.rate': '1000' }))).toBe(ErrorCode.INVALID_CONFIG);
    const unspecified = ConfigResourceType.CONFIG_RESOURCE_TYPE_UNSPECIFIED;
    expect(codeOf(alterConfigs(c.state, { resourceType: unspecified, resourceName: '' }, {}))).toBe(ErrorCode.INVALID_REQUEST);
  });
});

describe('allocateProducerIds', () => {
  it('hands out consecutive blocks to registered brokers', () => {
    const c = withTopic();
    const epoch = c.state.brokers.get(1)!.brokerEpoch;
    expect(c.expect(allocateProducerIds(c.state, 1, epoch))).toEqual({ start: 0, length: PRODUCER_ID_BLOCK_SIZE });
    expect(c.expect(allocateProducerIds(c.state, 1, epoch))).toEqual({ start: PRODUCER_ID_BLOCK_SIZE, length: PRODUCER_ID_BLOCK_SIZE });
    expect(codeOf(allocateProducerIds(c.state, 1, epoch - 1))).toBe(ErrorCode.STALE_BROKER_EPOCH);
  });
});
