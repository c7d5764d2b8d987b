import { ErrorCode } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { configEntries, partitionsOf, topicByName } from '@quill/metadata';
import { MetadataCluster, seededUuids } from '../test-support/metadata-cluster.js';
import { createTopic, createTopics, type TopicCreationRequest } from './create-topics.js';
import type { Decision } from './decision.js';

function cluster(brokers = 3): MetadataCluster {
  const c = new MetadataCluster(seededUuids(new SeededRandom(11)));
  for (let id = 1; id <= brokers; id++) c.addBroker(id, `rack-${id % 3}`);
  return c;
}

function request(overrides: Partial<TopicCreationRequest> = {}): TopicCreationRequest {
  return { name: 'orders', numPartitions: 3, replicationFactor: 2, assignments: [], configs: {}, ...overrides };
}

function errorOf<T>(decision: Decision<T>): string {
  if (decision.ok) throw new Error('expected a refusal');
  return decision.error.code;
}

describe('createTopic', () => {
  it('writes the topic, its configs and its partitions as one batch', () => {
    const c = cluster();
    const decision = createTopic(c.state, request({ configs: { 'retention.ms': '1000', 'cleanup.policy': 'compact' } }), c.topicContext);
    expect(decision.ok).toBe(true);
    if (!decision.ok) return;
    expect(decision.records.map((r) => r.record)).toEqual(['topic', 'config', 'config', 'partition', 'partition', 'partition']);
    const created = c.expect(decision);
    expect(created).toMatchObject({ name: 'orders', numPartitions: 3, replicationFactor: 2 });
    expect(created.topicId).toMatch(/^[0-9a-f-]{36}$/);
    const topic = topicByName(c.state, 'orders')!;
    for (const p of partitionsOf(topic)) {
      expect(p.isr).toEqual(p.replicas);
      expect(p.leader).toBe(p.replicas[0]);
      expect([p.leaderEpoch, p.partitionEpoch]).toEqual([0, 0]);
    }
    expect([...configEntries(c.state, { kind: 'topic', name: 'orders' })]).toEqual([
      ['cleanup.policy', 'compact'],
      ['retention.ms', '1000'],
    ]);
  });

  it('uses the policy defaults for -1', () => {
    const c = cluster();
    const created = c.expect(createTopic(c.state, request({ numPartitions: -1, replicationFactor: -1 }), c.topicContext));
    expect([created.numPartitions, created.replicationFactor]).toEqual([1, 1]);
  });

  it.each([
    ['', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['.', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['..', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['a'.repeat(250), ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['with space', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['slash/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
    ['ünïcode', ErrorCode.INVALID_TOPIC_EXCEPTION],
  ])('refuses the name %j', (name, code) => {
    const c = cluster();
    expect(errorOf(createTopic(c.state, request({ name }), c.topicContext))).toBe(code);
  });

  it('accepts the longest legal name and every legal character', () => {
    const c = cluster();
    c.expect(createTopic(c.state, request({ name: 'a'.repeat(249) }), c.topicContext));
    c.expect(createTopic(c.state, request({ name: 'Az09._-' }), c.topicContext));
  });

  it('refuses an existing name, and a name that collides on . versus _', () => {
    const c = cluster();
    c.expect(createTopic(c.state, request({ name: 'audit.log' }), c.topicContext));
    expect(errorOf(createTopic(c.state, request({ name: 'audit.log' }), c.topicContext))).toBe(ErrorCode.TOPIC_ALREADY_EXISTS);
    const collision = createTopic(c.state, request({ name: 'audit_log' }), c.topicContext);
    expect(errorOf(collision)).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    expect(collision.ok || collision.error.message).toContain("collides with existing topic 'audit.log'");
    c.expect(createTopic(c.state, request({ name: 'audit-log' }), c.topicContext));
  });

  it.each([
    [0, ErrorCode.INVALID_PARTITIONS],
    [-2, ErrorCode.INVALID_PARTITIONS],
    [10_001, ErrorCode.INVALID_PARTITIONS],
    [1.5, ErrorCode.INVALID_PARTITIONS],
  ])('refuses %d partitions', (numPartitions, code) => {
    const c = cluster();
    expect(errorOf(createTopic(c.state, request({ numPartitions }), c.topicContext))).toBe(code);
  });

  it('refuses a replication factor below 1 or above the usable brokers', () => {
    const c = cluster(3);
    expect(errorOf(createTopic(c.state, request({ replicationFactor: 0 }), c.topicContext))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(errorOf(createTopic(c.state, request({ replicationFactor: -5 }), c.topicContext))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(errorOf(createTopic(c.state, request({ replicationFactor: 4 }), c.topicContext))).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    c.heartbeat(3, { wantFence: true });
    const refused = createTopic(c.state, request({ replicationFactor: 3 }), c.topicContext);
    expect(errorOf(refused)).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
    expect(refused.ok || refused.error.message).toContain('only 2 broker(s)');
  });

  it.each([
    [{ 'no.such.config': '1' }, 'Unknown topic configuration'],
    [{ 'retention.ms': 'soon' }, 'expected an integer'],
    [{ 'retention.ms': '-2' }, 'at least -1'],
    [{ 'retention.bytes': '99999999999999999999' }, 'out of range'],
    [{ 'segment.bytes': '100' }, 'at least 1024'],
    [{ 'segment.bytes': '4294967296' }, 'at most'],
    [{ 'segment.ms': '0' }, 'at least 1'],
    [{ 'max.message.bytes': '-1' }, 'at least 0'],
    [{ 'cleanup.policy': 'archive' }, 'not one of'],
    [{ 'cleanup.policy': 'compact,compact' }, 'repeated'],
    [{ 'cleanup.policy': '' }, 'at least one item'],
    [{ 'compression.type': 'brotli' }, 'expected one of'],
    [{ 'message.timestamp.type': 'WallClock' }, 'expected one of'],
    [{ 'unclean.leader.election.enable': 'yes' }, 'true or false'],
    [{ 'min.cleanable.dirty.ratio': '1.5' }, 'at most 1'],
    [{ 'delete.retention.ms': '1e3' }, 'expected an integer'],
    [{ 'flush.policy': 'never' }, 'expected one of'],
    [{ 'min.insync.replicas': '3' }, 'must not exceed the replication factor 2'],
    [{ 'min.insync.replicas': '0' }, 'at least 1'],
  ])('refuses configs %j with INVALID_CONFIG', (configs, message) => {
    const c = cluster();
    const refused = createTopic(c.state, request({ configs }), c.topicContext);
    expect(errorOf(refused)).toBe(ErrorCode.INVALID_CONFIG);
    expect(refused.ok || refused.error.message).toContain(message);
  });

  it('accepts every known config with a valid value', () => {
    const c = cluster();
    const configs = {
      'cleanup.policy': 'compact, delete',
      'compression.type': 'zstd',
      'delete.retention.ms': '0',
      'flush.interval.ms': '5',
      'flush.policy': 'every-batch',
      'index.interval.bytes': '1',
      'max.message.bytes': '2000000',
      'message.timestamp.type': 'LogAppendTime',
      'min.cleanable.dirty.ratio': '0.25',
      'min.insync.replicas': '2',
      'retention.bytes': '-1',
      'retention.ms': '-1',
      'segment.bytes': '1024',
      'segment.ms': '60000',
      'unclean.leader.election.enable': 'true',
    };
    c.expect(createTopic(c.state, request({ configs }), c.topicContext));
  });

  describe('explicit assignments', () => {
    const assign = (...lists: number[][]): TopicCreationRequest =>
      request({ numPartitions: -1, replicationFactor: -1, assignments: lists.map((brokerIds, partition) => ({ partition, brokerIds })) });

    it('takes them as given, leader first in-sync replica', () => {
      const c = cluster();
      c.expect(createTopic(c.state, assign([3, 1], [2, 3]), c.topicContext));
      expect(partitionsOf(topicByName(c.state, 'orders')!).map((p) => [p.replicas, p.leader])).toEqual([
        [[3, 1], 3],
        [[2, 3], 2],
      ]);
    });

    it('leaves fenced brokers out of the ISR', () => {
      const c = cluster();
      c.heartbeat(3, { wantFence: true });
      c.expect(createTopic(c.state, assign([3, 1]), c.topicContext));
      const [partition] = partitionsOf(topicByName(c.state, 'orders')!);
      expect([partition!.isr, partition!.leader]).toEqual([[1], 1]);
    });

    it.each([
      ['a broker twice', [[1, 1]]],
      ['an unknown broker', [[1, 9]]],
      ['no replicas', [[]]],
      ['different replica counts', [[1, 2], [3]]],
    ])('refuses %s', (_, lists) => {
      const c = cluster();
      expect(errorOf(createTopic(c.state, assign(...lists), c.topicContext))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    });

    it('refuses gaps, repeats, fenced-only partitions and counts given alongside', () => {
      const c = cluster();
      const gap = request({ numPartitions: -1, replicationFactor: -1, assignments: [{ partition: 1, brokerIds: [1] }] });
      expect(errorOf(createTopic(c.state, gap, c.topicContext))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
      const twice = request({
        numPartitions: -1,
        replicationFactor: -1,
        assignments: [
          { partition: 0, brokerIds: [1] },
          { partition: 0, brokerIds: [2] },
        ],
      });
      expect(errorOf(createTopic(c.state, twice, c.topicContext))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
      expect(errorOf(createTopic(c.state, { ...assign([1]), numPartitions: 1 }, c.topicContext))).toBe(ErrorCode.INVALID_REQUEST);
      c.heartbeat(2, { wantFence: true });
      expect(errorOf(createTopic(c.state, assign([2]), c.topicContext))).toBe(ErrorCode.INVALID_REPLICA_ASSIGNMENT);
    });
  });

  it('treats a broken id source as a bug', () => {
    const c = cluster();
    expect(() => createTopic(c.state, request(), { ...c.topicContext, newTopicId: () => 'not-a-uuid' })).toThrow(RangeError);
  });
});

describe('createTopics', () => {
  it('decides each topic after the ones before it and refuses names given twice', () => {
    const c = cluster();
    const { outcomes, records } = createTopics(
      c.state,
      [request({ name: 'a' }), request({ name: 'b' }), request({ name: 'a' }), request({ name: 'a.b' }), request({ name: 'a_b' })],
      c.topicContext,
    );
    expect(outcomes.map((o) => (o.decision.ok ? 'ok' : o.decision.error.code))).toEqual([
      ErrorCode.INVALID_REQUEST,
      'ok',
      ErrorCode.INVALID_REQUEST,
      'ok',
      ErrorCode.INVALID_TOPIC_EXCEPTION,
    ]);
    c.commit({ ok: true, records, result: undefined });
    expect([...c.state.topicIdsByName.keys()].sort()).toEqual(['a.b', 'b']);
  });
});
