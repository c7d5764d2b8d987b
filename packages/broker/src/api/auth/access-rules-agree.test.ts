import { ApiKeys } from '@quill/kafka-protocol';
import type { AclOperation, AclResourceType } from '@quill/metadata';
import { describe, expect, it } from 'vitest';
import type { AccessScope } from '../../kafka-listener/authorization/access-decision.js';
import { ACCESS_RULES } from '../../kafka-listener/authorization/access-rules.js';
import { GRPC_ACCESS_RULES, type AccessRule, type GrpcClientMethod } from './grpc-access-rules.js';

// The gRPC table and the Kafka listener's state the same authorizer over two request shapes: for
// each API both have, the (operation, resource type) pairs they can ask about must be the same.

/** A scope answering `allowed` to everything and noting what it was asked. */
function recordingScope(allowed: boolean, asked: Set<string>): AccessScope {
  return {
    can: (operation: AclOperation, type: AclResourceType) => {
      asked.add(`${operation} ${type}`);
      return allowed;
    },
    topicNameOf: () => 't',
    topicNames: () => ['t'],
  };
}

/** What the Kafka rule asks, allowed everything and refused everything (rules stop at a refusal, or at a grant). */
function kafkaAsks(apiKey: number, request: object, apiVersion: number): Set<string> {
  const rule = ACCESS_RULES.get(apiKey)!;
  const asked = new Set<string>();
  rule(request, recordingScope(true, asked), apiVersion);
  rule(request, recordingScope(false, asked), apiVersion);
  return asked;
}

/** What the gRPC rule can ask for `request`, read off its checks. */
function grpcAsks(rule: AccessRule<unknown>, request: object): Set<string> {
  const asked = new Set<string>();
  const scope = recordingScope(true, new Set());
  for (const check of rule.checks) {
    if (check.names(request, scope).length === 0) continue;
    asked.add(`${check.operation} ${check.resourceType}`);
    if (check.orOnCluster === true) asked.add(`${check.operation} CLUSTER`);
    if (check.orOnAnyTopic !== undefined) asked.add(`${check.orOnAnyTopic} TOPIC`);
  }
  return asked;
}

const topic = { name: 't', topic: 't', topicId: '', partitions: [] };
const CASES: Array<[GrpcClientMethod, object, number, object, number?]> = [
  ['Produce', { topics: [topic] }, ApiKeys.Produce, { transactionalId: null, topicData: [{ name: 't' }] }],
  ['ProduceStream', { topics: [topic] }, ApiKeys.Produce, { transactionalId: null, topicData: [{ name: 't' }] }],
  ['Produce', { transactionalId: 'tx', topics: [topic] }, ApiKeys.Produce, { transactionalId: 'tx', topicData: [{ name: 't' }] }],
  ['Fetch', { topics: [topic] }, ApiKeys.Fetch, { replicaId: -1, topics: [{ topic: 't' }] }],
  ['FetchStream', { topics: [topic] }, ApiKeys.Fetch, { replicaId: -1, topics: [{ topic: 't' }] }],
  ['ListOffsets', { topics: [topic] }, ApiKeys.ListOffsets, { topics: [{ name: 't' }] }],
  ['DeleteRecords', { topics: [topic] }, ApiKeys.DeleteRecords, { topics: [{ name: 't' }] }],
  ['CreateTopics', { topics: [topic] }, ApiKeys.CreateTopics, { topics: [{ name: 't' }] }],
  ['DeleteTopics', { names: ['t'], topicIds: [] }, ApiKeys.DeleteTopics, { topicNames: ['t'] }],
  ['CreatePartitions', { topics: [topic] }, ApiKeys.CreatePartitions, { topics: [{ name: 't' }] }],
  ['DescribeConfigs', { resources: [{ resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: 't' }] }, ApiKeys.DescribeConfigs, { resources: [{ resourceType: 2, resourceName: 't' }] }],
  ['AlterConfigs', { resources: [{ resourceType: 'CONFIG_RESOURCE_TYPE_BROKER', resourceName: '1' }] }, ApiKeys.AlterConfigs, { resources: [{ resourceType: 4, resourceName: '1' }] }],
  ['IncrementalAlterConfigs', { resources: [{ resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: 't' }] }, ApiKeys.IncrementalAlterConfigs, { resources: [{ resourceType: 2, resourceName: 't' }] }],
  ['FindCoordinator', { keyType: 'COORDINATOR_TYPE_GROUP', keys: ['g'] }, ApiKeys.FindCoordinator, { keyType: 0, key: 'g' }],
  ['FindCoordinator', { keyType: 'COORDINATOR_TYPE_TRANSACTION', keys: ['tx'] }, ApiKeys.FindCoordinator, { keyType: 1, key: 'tx' }],
  ['JoinGroup', { groupId: 'g' }, ApiKeys.JoinGroup, { groupId: 'g' }],
  ['SyncGroup', { groupId: 'g' }, ApiKeys.SyncGroup, { groupId: 'g' }],
  ['Heartbeat', { groupId: 'g' }, ApiKeys.Heartbeat, { groupId: 'g' }],
  ['LeaveGroup', { groupId: 'g' }, ApiKeys.LeaveGroup, { groupId: 'g' }],
  ['OffsetCommit', { groupId: 'g', topics: [topic] }, ApiKeys.OffsetCommit, { groupId: 'g', topics: [{ name: 't' }] }],
  ['OffsetFetch', { groupId: 'g', topics: [topic] }, ApiKeys.OffsetFetch, { groupId: 'g', topics: [{ name: 't' }] }, 7],
  ['DescribeGroups', { groupIds: ['g'] }, ApiKeys.DescribeGroups, { groups: ['g'] }],
  ['DeleteGroups', { groupIds: ['g'] }, ApiKeys.DeleteGroups, { groupsNames: ['g'] }],
  ['InitProducerId', { transactionalId: null }, ApiKeys.InitProducerId, { transactionalId: null }],
  ['InitProducerId', { transactionalId: 'tx' }, ApiKeys.InitProducerId, { transactionalId: 'tx' }],
  ['DescribeCluster', {}, ApiKeys.DescribeCluster, {}],
  ['DescribeUserScramCredentials', {}, ApiKeys.DescribeUserScramCredentials, {}],
  ['AlterUserScramCredentials', {}, ApiKeys.AlterUserScramCredentials, {}],
  ['DescribeAcls', {}, ApiKeys.DescribeAcls, {}],
  ['CreateAcls', {}, ApiKeys.CreateAcls, {}],
  ['DeleteAcls', {}, ApiKeys.DeleteAcls, {}],
];

describe('the gRPC and Kafka access tables', () => {
  it.each(CASES)('%s asks what its Kafka API asks', (method, grpcRequest, apiKey, kafkaRequest, apiVersion = 0) => {
    const asked = grpcAsks(GRPC_ACCESS_RULES[method] as AccessRule<unknown>, grpcRequest);
    expect(asked.size).toBeGreaterThan(0);
    expect([...asked].sort()).toEqual([...kafkaAsks(apiKey, kafkaRequest, apiVersion)].sort());
  });
});
