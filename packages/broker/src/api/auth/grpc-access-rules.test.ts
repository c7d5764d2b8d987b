import type { AclOperation, AclResourceType } from '@quill/metadata';
import { describe, expect, it } from 'vitest';
import type { AccessScope } from '../../kafka-listener/authorization/access-decision.js';
import { GRPC_ACCESS_RULES, hideUndescribed, refusalOf, type GrpcClientMethod, type RequestOf } from './grpc-access-rules.js';

/** A scope granting exactly `grants` ("OPERATION TYPE name"). */
function scopeOf(...grants: string[]): AccessScope {
  const granted = new Set(grants);
  return {
    can: (operation: AclOperation, type: AclResourceType, name: string) => granted.has(`${operation} ${type} ${name}`),
    topicNameOf: (id) => (id === 'id-orders' ? 'orders' : undefined),
    topicNames: () => ['orders', 'payments'],
  };
}

const refusal = <M extends GrpcClientMethod>(method: M, request: RequestOf<M>, scope: AccessScope) => refusalOf(GRPC_ACCESS_RULES[method], request, scope, 'User:alice');

const produce = (topics: string[], transactionalId?: string) => ({ acks: -1, timeoutMs: 0, topics: topics.map((name) => ({ name, topicId: '', partitions: [] })), ...(transactionalId === undefined ? {} : { transactionalId }) });

describe('GRPC_ACCESS_RULES', () => {
  it('Produce needs WRITE on every topic it names', () => {
    expect(refusal('Produce', produce(['orders']), scopeOf('WRITE TOPIC orders'))).toBeUndefined();
    expect(refusal('ProduceStream', produce(['orders', 'payments']), scopeOf('WRITE TOPIC orders'))).toEqual({ code: 'TOPIC_AUTHORIZATION_FAILED', message: 'User:alice may not WRITE TOPIC payments' });
    expect(refusal('Produce', produce(['orders']), scopeOf('READ TOPIC orders'))?.code).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('a transactional Produce needs WRITE on its transactional id too', () => {
    expect(refusal('Produce', produce(['orders'], 'tx'), scopeOf('WRITE TOPIC orders'))?.code).toBe('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
    expect(refusal('Produce', produce(['orders'], 'tx'), scopeOf('WRITE TOPIC orders', 'WRITE TRANSACTIONAL_ID tx'))).toBeUndefined();
  });

  it('Fetch needs READ, by name or by topic id', () => {
    const fetch = { maxWaitMs: 0, minBytes: 0, maxBytes: 0, isolationLevel: 'ISOLATION_LEVEL_UNSPECIFIED' as const, topics: [{ topic: '', topicId: 'id-orders', partitions: [] }] };
    expect(refusal('FetchStream', fetch, scopeOf('READ TOPIC orders'))).toBeUndefined();
    expect(refusal('Fetch', fetch, scopeOf('DESCRIBE TOPIC orders'))?.code).toBe('TOPIC_AUTHORIZATION_FAILED');
  });

  it('CreateTopics: CREATE on the topic or on the cluster', () => {
    const request = { topics: [{ name: 'new', numPartitions: 1, replicationFactor: 1, assignments: [], configs: {} }], timeoutMs: 0, validateOnly: false };
    expect(refusal('CreateTopics', request, scopeOf())?.code).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(refusal('CreateTopics', request, scopeOf('CREATE TOPIC new'))).toBeUndefined();
    expect(refusal('CreateTopics', request, scopeOf('CREATE CLUSTER kafka-cluster'))).toBeUndefined();
  });

  it('configs: topics by their name, every other resource on the cluster', () => {
    const request = { resources: [{ resourceType: 'CONFIG_RESOURCE_TYPE_BROKER' as const, resourceName: '1', configNames: [] }] };
    expect(refusal('DescribeConfigs', request, scopeOf('DESCRIBE_CONFIGS TOPIC orders'))?.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(refusal('DescribeConfigs', request, scopeOf('DESCRIBE_CONFIGS CLUSTER kafka-cluster'))).toBeUndefined();
  });

  it('groups: READ to take part, DESCRIBE to look, both group and topics for offsets', () => {
    const join = { groupId: 'g', sessionTimeoutMs: 0, rebalanceTimeoutMs: 0, memberId: '', protocolType: '', protocols: [], reason: '' };
    expect(refusal('JoinGroup', join, scopeOf('DESCRIBE GROUP g'))?.code).toBe('GROUP_AUTHORIZATION_FAILED');
    expect(refusal('JoinGroup', join, scopeOf('READ GROUP g'))).toBeUndefined();
    const commit = { groupId: 'g', generationId: 1, memberId: 'm', topics: [{ name: 'orders', partitions: [] }] };
    expect(refusal('OffsetCommit', commit, scopeOf('READ GROUP g'))?.code).toBe('TOPIC_AUTHORIZATION_FAILED');
    expect(refusal('OffsetCommit', commit, scopeOf('READ GROUP g', 'READ TOPIC orders'))).toBeUndefined();
    expect(refusal('FindCoordinator', { keyType: 'COORDINATOR_TYPE_TRANSACTION', keys: ['tx'] }, scopeOf('DESCRIBE GROUP tx'))?.code).toBe('TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
  });

  it('ACL and user admin: ALTER or DESCRIBE on the cluster', () => {
    expect(refusal('CreateAcls', { creations: [] } as unknown as RequestOf<'CreateAcls'>, scopeOf('DESCRIBE CLUSTER kafka-cluster'))?.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(refusal('CreateAcls', { creations: [] } as unknown as RequestOf<'CreateAcls'>, scopeOf('ALTER CLUSTER kafka-cluster'))).toBeUndefined();
    expect(refusal('DescribeUserScramCredentials', { users: [] } as unknown as RequestOf<'DescribeUserScramCredentials'>, scopeOf('DESCRIBE CLUSTER kafka-cluster'))).toBeUndefined();
  });

  it('an idempotent InitProducerId: IDEMPOTENT_WRITE on the cluster, or WRITE on some topic', () => {
    const request = { transactionTimeoutMs: 0, producerId: -1, producerEpoch: -1 };
    expect(refusal('InitProducerId', request, scopeOf())?.code).toBe('CLUSTER_AUTHORIZATION_FAILED');
    expect(refusal('InitProducerId', request, scopeOf('WRITE TOPIC payments'))).toBeUndefined();
  });
});

describe('Metadata', () => {
  it('auto-creates named topics only for a principal that may CREATE them', () => {
    const narrow = GRPC_ACCESS_RULES.Metadata.narrow!;
    const request = { topics: ['new'], allTopics: false, allowAutoTopicCreation: true };
    expect(narrow(request, scopeOf('DESCRIBE TOPIC new')).allowAutoTopicCreation).toBe(false);
    expect(narrow(request, scopeOf('CREATE TOPIC new'))).toBe(request);
    expect(narrow(request, scopeOf('CREATE CLUSTER kafka-cluster'))).toBe(request);
  });
});

describe('hideUndescribed', () => {
  it('leaves out topics the principal may not DESCRIBE, and refuses those it named', () => {
    const topic = (name: string) => ({ name, errorCode: 'NONE', errorMessage: '', topicId: '', isInternal: false, partitions: [] });
    const response = { clusterId: 'c', controllerId: 1, brokers: [], topics: [topic('orders'), topic('payments'), topic('secret')], metadataOffset: 0 };
    const all = hideUndescribed('topics-not-described', { topics: [], allTopics: true, allowAutoTopicCreation: false }, response, scopeOf('DESCRIBE TOPIC orders')) as typeof response;
    expect(all.topics.map((t) => t.name)).toEqual(['orders']);
    const named = hideUndescribed('topics-not-described', { topics: ['secret'], allTopics: false, allowAutoTopicCreation: false }, response, scopeOf()) as typeof response;
    expect(named.topics).toMatchObject([{ name: 'secret', errorCode: 'TOPIC_AUTHORIZATION_FAILED', partitions: [] }]);
  });

  it('lists only the groups the principal may DESCRIBE, unless it may DESCRIBE the cluster', () => {
    const response = { groups: [{ groupId: 'a', protocolType: '', groupState: '' }, { groupId: 'b', protocolType: '', groupState: '' }] };
    expect((hideUndescribed('groups-not-described', {}, response, scopeOf('DESCRIBE GROUP b')) as typeof response).groups.map((g) => g.groupId)).toEqual(['b']);
    expect(hideUndescribed('groups-not-described', {}, response, scopeOf('DESCRIBE CLUSTER kafka-cluster'))).toBe(response);
  });

  it("shows a group's offsets only on the topics the principal may DESCRIBE", () => {
    const response = { topics: [{ name: 'orders', partitions: [] }, { name: 'secret', partitions: [] }] };
    const shown = hideUndescribed('offsets-of-topics-not-described', { groupId: 'g', topics: [] }, response, scopeOf('DESCRIBE TOPIC orders')) as typeof response;
    expect(shown.topics.map((t) => t.name)).toEqual(['orders']);
  });
});
