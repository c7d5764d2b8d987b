import { ApiKeys, type FetchRequest, type ListGroupsResponse, type MetadataRequest, type MetadataResponse, type ProduceRequest } from '@quill/kafka-protocol';
import type { AclOperation, AclResourceType } from '@quill/metadata';
import { describe, expect, it } from 'vitest';
import type { AccessDecision, AccessRule, AccessScope } from './access-decision.js';
import { ACCESS_RULES } from './access-rules.js';

/** A scope that allows exactly the listed `OPERATION TYPE name` triples. */
function scopeAllowing(...allowed: string[]): AccessScope {
  const set = new Set(allowed);
  return {
    can: (operation: AclOperation, type: AclResourceType, name: string) => set.has(`${operation} ${type} ${name}`),
    topicNameOf: (id) => (id === 'id-of-t1' ? 't1' : undefined),
    topicNames: () => ['t1', 't2'],
  };
}

function decide(apiKey: number, request: unknown, scope: AccessScope, apiVersion = 0): AccessDecision<unknown> {
  const rule = ACCESS_RULES.get(apiKey) as AccessRule<unknown>;
  return rule(request, scope, apiVersion);
}

const produce = (...topics: string[]): ProduceRequest => ({ acks: -1, timeoutMs: 1000, topicData: topics.map((name) => ({ name, partitionData: [{ index: 0, records: null }] })) });

describe('ACCESS_RULES', () => {
  it('has a rule for every served API but ApiVersions and the SASL exchange', () => {
    const unguarded = Object.entries(ApiKeys)
      .filter(([, key]) => !ACCESS_RULES.has(key))
      .map(([name]) => name)
      .sort();
    expect(unguarded).toEqual(['ApiVersions', 'SaslAuthenticate', 'SaslHandshake']);
  });

  it('Produce: WRITE on each topic; refused topics split off with TOPIC_AUTHORIZATION_FAILED', () => {
    expect(decide(ApiKeys.Produce, produce('t1'), scopeAllowing('WRITE TOPIC t1')).kind).toBe('allow');
    const split = decide(ApiKeys.Produce, produce('t1', 't2'), scopeAllowing('WRITE TOPIC t1'));
    expect(split.kind).toBe('split');
    if (split.kind !== 'split') return;
    expect(split.code).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect((split.allowed as ProduceRequest).topicData.map((t) => t.name)).toEqual(['t1']);
    expect((split.denied as ProduceRequest).topicData.map((t) => t.name)).toEqual(['t2']);
    expect(split.merge({ responses: [{ name: 't1' }], throttleTimeMs: 0 }, { responses: [{ name: 't2' }] })).toEqual({ responses: [{ name: 't1' }, { name: 't2' }], throttleTimeMs: 0 });
    const none = decide(ApiKeys.Produce, produce('t1'), scopeAllowing('READ TOPIC t1'));
    expect(none.kind === 'split' && none.allowed).toBe(undefined);
  });

  it('Produce with a transactional id needs WRITE on it', () => {
    const decision = decide(ApiKeys.Produce, { ...produce('t1'), transactionalId: 'tx' }, scopeAllowing('WRITE TOPIC t1'));
    expect(decision).toEqual({ kind: 'deny', code: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' });
  });

  it('Fetch: READ on each topic, by name or by topic id', () => {
    const request = (topics: FetchRequest['topics']): FetchRequest => ({ replicaId: -1, maxWaitMs: 0, minBytes: 0, maxBytes: 1, isolationLevel: 0, topics });
    expect(decide(ApiKeys.Fetch, request([{ topic: 't1', partitions: [] }]), scopeAllowing('READ TOPIC t1')).kind).toBe('allow');
    expect(decide(ApiKeys.Fetch, request([{ topicId: 'id-of-t1', partitions: [] }]), scopeAllowing('READ TOPIC t1')).kind).toBe('allow');
    expect(decide(ApiKeys.Fetch, request([{ topic: 't1', partitions: [] }]), scopeAllowing('DESCRIBE TOPIC t1')).kind).toBe('split');
    const replicaFetch = { ...request([{ topic: 't1', partitions: [] }]), replicaId: 2 };
    expect(decide(ApiKeys.Fetch, replicaFetch, scopeAllowing('READ TOPIC t1'))).toEqual({ kind: 'deny', code: 'CLUSTER_AUTHORIZATION_FAILED' });
    expect(decide(ApiKeys.Fetch, replicaFetch, scopeAllowing('CLUSTER_ACTION CLUSTER kafka-cluster')).kind).toBe('allow');
  });

  it('Metadata: unseen topics left out of an all-topics answer, named ones refused, auto-creation only with CREATE', () => {
    const response: MetadataResponse = {
      brokers: [],
      topics: [
        { errorCode: 0, name: 't1', partitions: [] },
        { errorCode: 0, name: 't2', topicId: 'x', partitions: [{} as never] },
      ],
    };
    const all = decide(ApiKeys.Metadata, { topics: null } satisfies MetadataRequest, scopeAllowing('DESCRIBE TOPIC t1'));
    expect(all.kind === 'filter' && (all.filter(response) as MetadataResponse).topics.map((t) => t.name)).toEqual(['t1']);
    const named = decide(ApiKeys.Metadata, { topics: [{ name: 't2' }], allowAutoTopicCreation: true } satisfies MetadataRequest, scopeAllowing('DESCRIBE TOPIC t1'));
    if (named.kind !== 'filter') throw new Error(named.kind);
    expect((named.request as MetadataRequest).allowAutoTopicCreation).toBe(false);
    expect((named.filter({ ...response, topics: response.topics.slice(1) }) as MetadataResponse).topics).toEqual([{ errorCode: 29, name: 't2', topicId: 'AAAAAAAAAAAAAAAAAAAAAA', partitions: [] }]);
    const creating = decide(ApiKeys.Metadata, { topics: [{ name: 't3' }], allowAutoTopicCreation: true } satisfies MetadataRequest, scopeAllowing('CREATE CLUSTER kafka-cluster'));
    expect(creating.kind === 'filter' && (creating.request as MetadataRequest).allowAutoTopicCreation).toBe(true);
  });

  it('group APIs: READ on the group, else GROUP_AUTHORIZATION_FAILED', () => {
    for (const api of [ApiKeys.JoinGroup, ApiKeys.SyncGroup, ApiKeys.Heartbeat, ApiKeys.LeaveGroup]) {
      expect(decide(api, { groupId: 'g' }, scopeAllowing('READ GROUP g')).kind).toBe('allow');
      expect(decide(api, { groupId: 'g' }, scopeAllowing('DESCRIBE GROUP g'))).toEqual({ kind: 'deny', code: 'GROUP_AUTHORIZATION_FAILED' });
    }
    expect(decide(ApiKeys.FindCoordinator, { key: 'g', keyType: 0 }, scopeAllowing('DESCRIBE GROUP g')).kind).toBe('allow');
    const batched = decide(ApiKeys.FindCoordinator, { coordinatorKeys: ['g', 'h'], keyType: 0 }, scopeAllowing('DESCRIBE GROUP g'));
    expect(batched.kind === 'split' && [batched.allowed, batched.denied, batched.code]).toEqual([{ coordinatorKeys: ['g'], keyType: 0 }, { coordinatorKeys: ['h'], keyType: 0 }, 'GROUP_AUTHORIZATION_FAILED']);
    expect(decide(ApiKeys.FindCoordinator, { key: 'tx', keyType: 1 }, scopeAllowing('DESCRIBE GROUP tx'))).toEqual({ kind: 'deny', code: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' });
  });

  it('OffsetCommit: READ on the group, then READ on each topic', () => {
    const request = { groupId: 'g', topics: [{ name: 't1', partitions: [] }, { name: 't2', partitions: [] }] };
    expect(decide(ApiKeys.OffsetCommit, request, scopeAllowing('READ TOPIC t1')).kind).toBe('deny');
    expect(decide(ApiKeys.OffsetCommit, request, scopeAllowing('READ GROUP g', 'READ TOPIC t1')).kind).toBe('split');
    expect(decide(ApiKeys.OffsetCommit, request, scopeAllowing('READ GROUP g', 'READ TOPIC t1', 'READ TOPIC t2')).kind).toBe('allow');
  });

  it('OffsetFetch: DESCRIBE on the group (each group from v8), then DESCRIBE on each topic named', () => {
    const single = { groupId: 'g', topics: [{ name: 't1', partitionIndexes: [0] }] };
    expect(decide(ApiKeys.OffsetFetch, single, scopeAllowing('DESCRIBE GROUP g', 'DESCRIBE TOPIC t1'), 7).kind).toBe('filter');
    // A group's every topic (none named): the answer leaves out the topics the principal may not DESCRIBE.
    const all = decide(ApiKeys.OffsetFetch, { groupId: 'g', topics: null }, scopeAllowing('DESCRIBE GROUP g', 'DESCRIBE TOPIC t1'), 7);
    const offsets = { errorCode: 0, topics: [{ name: 't1', partitions: [] }, { name: 't2', partitions: [] }] };
    expect(all.kind === 'filter' && (all.filter(offsets) as typeof offsets).topics.map((t) => t.name)).toEqual(['t1']);
    const groups = { groups: [{ groupId: 'g', errorCode: 0, topics: [{ name: 't2', partitions: [] }] }] };
    const all8 = decide(ApiKeys.OffsetFetch, { groups: [{ groupId: 'g', topics: null }] }, scopeAllowing('DESCRIBE GROUP g'), 8);
    expect(all8.kind === 'filter' && (all8.filter(groups) as typeof groups).groups[0]!.topics).toEqual([]);
    expect(decide(ApiKeys.OffsetFetch, single, scopeAllowing('DESCRIBE GROUP g'), 7).kind).toBe('split');
    expect(decide(ApiKeys.OffsetFetch, single, scopeAllowing('DESCRIBE TOPIC t1'), 7)).toEqual({ kind: 'deny', code: 'GROUP_AUTHORIZATION_FAILED' });
    const multi = decide(ApiKeys.OffsetFetch, { groups: [{ groupId: 'g', topics: null }, { groupId: 'h', topics: null }] }, scopeAllowing('DESCRIBE GROUP h'), 8);
    expect(multi.kind === 'split' && (multi.denied as { groups: Array<{ groupId: string }> }).groups.map((g) => g.groupId)).toEqual(['g']);
  });

  it('ListGroups: only the groups the principal may DESCRIBE, all of them with DESCRIBE on the cluster', () => {
    const response: ListGroupsResponse = { errorCode: 0, groups: [{ groupId: 'g', protocolType: 'consumer' }, { groupId: 'h', protocolType: 'consumer' }] };
    const filtered = decide(ApiKeys.ListGroups, {}, scopeAllowing('DESCRIBE GROUP h'));
    expect(filtered.kind === 'filter' && (filtered.filter(response) as ListGroupsResponse).groups.map((g) => g.groupId)).toEqual(['h']);
    expect(decide(ApiKeys.ListGroups, {}, scopeAllowing('DESCRIBE CLUSTER kafka-cluster')).kind).toBe('allow');
  });

  it('cluster APIs: CLUSTER_AUTHORIZATION_FAILED without the operation on the cluster', () => {
    expect(decide(ApiKeys.DescribeCluster, {}, scopeAllowing())).toEqual({ kind: 'deny', code: 'CLUSTER_AUTHORIZATION_FAILED' });
    expect(decide(ApiKeys.AlterUserScramCredentials, {}, scopeAllowing('DESCRIBE CLUSTER kafka-cluster')).kind).toBe('deny');
    expect(decide(ApiKeys.AlterUserScramCredentials, {}, scopeAllowing('ALTER CLUSTER kafka-cluster')).kind).toBe('allow');
    expect(decide(ApiKeys.DescribeAcls, {}, scopeAllowing('DESCRIBE CLUSTER kafka-cluster')).kind).toBe('allow');
    expect(decide(ApiKeys.CreateAcls, {}, scopeAllowing('DESCRIBE CLUSTER kafka-cluster')).kind).toBe('deny');
    expect(decide(ApiKeys.DeleteAcls, {}, scopeAllowing('ALTER CLUSTER kafka-cluster')).kind).toBe('allow');
  });

  it('configs: DESCRIBE_CONFIGS / ALTER_CONFIGS on the topic, or on the cluster for a broker resource', () => {
    const request = { resources: [{ resourceType: 2, resourceName: 't1' }, { resourceType: 4, resourceName: '1' }] };
    expect(decide(ApiKeys.DescribeConfigs, request, scopeAllowing('DESCRIBE_CONFIGS TOPIC t1', 'DESCRIBE_CONFIGS CLUSTER kafka-cluster')).kind).toBe('allow');
    const split = decide(ApiKeys.IncrementalAlterConfigs, request, scopeAllowing('ALTER_CONFIGS TOPIC t1'));
    expect(split.kind === 'split' && (split.denied as typeof request).resources.map((r) => r.resourceName)).toEqual(['1']);
    expect(split.kind === 'split' && split.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
    // A refused topic answers TOPIC_AUTHORIZATION_FAILED, as Kafka's.
    const topicRefused = decide(ApiKeys.DescribeConfigs, request, scopeAllowing('DESCRIBE_CONFIGS CLUSTER kafka-cluster'));
    expect(topicRefused.kind === 'split' && topicRefused.code).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('InitProducerId: IDEMPOTENT_WRITE on the cluster or WRITE on some topic', () => {
    const request = { transactionalId: null, transactionTimeoutMs: 0 };
    expect(decide(ApiKeys.InitProducerId, request, scopeAllowing('WRITE TOPIC t2')).kind).toBe('allow');
    expect(decide(ApiKeys.InitProducerId, request, scopeAllowing('IDEMPOTENT_WRITE CLUSTER kafka-cluster')).kind).toBe('allow');
    expect(decide(ApiKeys.InitProducerId, request, scopeAllowing('READ TOPIC t2'))).toEqual({ kind: 'deny', code: 'CLUSTER_AUTHORIZATION_FAILED' });
  });

  it('topic admin: CREATE (topic or cluster), DELETE, ALTER for partitions', () => {
    expect(decide(ApiKeys.CreateTopics, { topics: [{ name: 'n' }], timeoutMs: 1 }, scopeAllowing('CREATE CLUSTER kafka-cluster')).kind).toBe('allow');
    expect(decide(ApiKeys.CreateTopics, { topics: [{ name: 'n' }], timeoutMs: 1 }, scopeAllowing('CREATE TOPIC n')).kind).toBe('allow');
    expect(decide(ApiKeys.DeleteTopics, { topicNames: ['t1'], timeoutMs: 1 }, scopeAllowing('DESCRIBE TOPIC t1')).kind).toBe('split');
    expect(decide(ApiKeys.DeleteTopics, { topics: [{ name: null, topicId: 'id-of-t1' }], timeoutMs: 1 }, scopeAllowing('DELETE TOPIC t1')).kind).toBe('allow');
    expect(decide(ApiKeys.DeleteRecords, { topics: [{ name: 't1', partitions: [] }], timeoutMs: 1 }, scopeAllowing('DELETE TOPIC t1')).kind).toBe('allow');
    expect(decide(ApiKeys.OffsetForLeaderEpoch, { topics: [{ topic: 't1', partitions: [] }] }, scopeAllowing('READ TOPIC t2')).kind).toBe('split');
    expect(decide(ApiKeys.CreatePartitions, { topics: [{ name: 't1' }] }, scopeAllowing('ALTER TOPIC t1')).kind).toBe('allow');
  });
});
