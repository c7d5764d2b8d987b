import {
  ApiKeys,
  type AlterConfigsRequest,
  type CreatePartitionsRequest,
  type CreateTopicsRequest,
  type DeleteGroupsRequest,
  type DeleteRecordsRequest,
  type DeleteTopicsRequest,
  type DescribeConfigsRequest,
  type DescribeGroupsRequest,
  type FetchRequest,
  type FindCoordinatorRequest,
  type IncrementalAlterConfigsRequest,
  type InitProducerIdRequest,
  type ListGroupsResponse,
  type ListOffsetsRequest,
  type MetadataRequest,
  type MetadataResponse,
  type OffsetCommitRequest,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type OffsetForLeaderEpochRequest,
  type ProduceRequest,
} from '@quill/kafka-protocol';
import { CLUSTER_RESOURCE_NAME, type AclOperation } from '@quill/metadata';
import type { ErrorCode } from '@quill/proto';
import { kafkaErrorCode } from '../kafka-error-codes.js';
import { ALLOW, splitItems, type AccessDecision, type AccessRule, type AccessScope } from './access-decision.js';

// Kafka's resource type numbers in DescribeConfigs/AlterConfigs requests.
const CONFIG_RESOURCE_TOPIC = 2;
// Kafka's FindCoordinator key type of a transactional id (0 is a group).
const COORDINATOR_KEY_TRANSACTION = 1;
// Kafka's OffsetFetch answers several groups from this version on.
const OFFSET_FETCH_MULTI_GROUP_FROM_VERSION = 8;

const denyUnless = <Request>(allowed: boolean, code: ErrorCode): AccessDecision<Request> => (allowed ? ALLOW : { kind: 'deny', code });

const clusterRule =
  <Request>(operation: AclOperation): AccessRule<Request> =>
  (_request, scope) =>
    denyUnless(scope.can(operation, 'CLUSTER', CLUSTER_RESOURCE_NAME), 'CLUSTER_AUTHORIZATION_FAILED');

const groupRule =
  <Request extends { groupId: string }>(operation: AclOperation): AccessRule<Request> =>
  (request, scope) =>
    denyUnless(scope.can(operation, 'GROUP', request.groupId), 'GROUP_AUTHORIZATION_FAILED');

function configRule<Request extends { resources: Array<{ resourceType: number; resourceName: string }> }>(operation: AclOperation, responseField: string): AccessRule<Request> {
  return (request, scope) => {
    const allowed = (r: { resourceType: number; resourceName: string }) =>
      r.resourceType === CONFIG_RESOURCE_TOPIC ? scope.can(operation, 'TOPIC', r.resourceName) : scope.can(operation, 'CLUSTER', CLUSTER_RESOURCE_NAME);
    // A refused topic answers TOPIC_AUTHORIZATION_FAILED, as Kafka's; a resource of any other type
    // is refused as a cluster one (and so is a topic refused in the same request as one of those).
    const refusedOnlyTopics = request.resources.every((r) => allowed(r) || r.resourceType === CONFIG_RESOURCE_TOPIC);
    return splitItems(request.resources, (resources) => ({ ...request, resources }), allowed, refusedOnlyTopics ? 'TOPIC_AUTHORIZATION_FAILED' : 'CLUSTER_AUTHORIZATION_FAILED', responseField);
  };
}

function fetchTopicName(topic: { topic?: string; topicId?: string }, scope: AccessScope): string {
  if (topic.topicId === undefined) return topic.topic ?? '';
  return scope.topicNameOf(topic.topicId) ?? '';
}

/** Fetch: READ on each topic; a follower's fetch (replicaId set) needs CLUSTER_ACTION, as between Kafka brokers. */
const fetchRule: AccessRule<FetchRequest> = (request, scope) => {
  if (request.replicaId >= 0) return denyUnless(scope.can('CLUSTER_ACTION', 'CLUSTER', CLUSTER_RESOURCE_NAME), 'CLUSTER_AUTHORIZATION_FAILED');
  return splitItems(request.topics, (topics) => ({ ...request, topics }), (t) => scope.can('READ', 'TOPIC', fetchTopicName(t, scope)), 'TOPIC_AUTHORIZATION_FAILED', 'responses');
};

/** Metadata: topics the principal may not DESCRIBE are left out of an all-topics answer and refused when named. */
const metadataRule: AccessRule<MetadataRequest> = (request, scope) => {
  const named = new Set((request.topics ?? []).map((t) => t.name).filter((n): n is string => n !== null));
  const mayCreate = (name: string) => scope.can('CREATE', 'CLUSTER', CLUSTER_RESOURCE_NAME) || scope.can('CREATE', 'TOPIC', name);
  const autoCreate = request.allowAutoTopicCreation === true && [...named].every(mayCreate);
  const refused = kafkaErrorCode('TOPIC_AUTHORIZATION_FAILED');
  return {
    kind: 'filter',
    request: request.allowAutoTopicCreation === true ? { ...request, allowAutoTopicCreation: autoCreate } : request,
    filter: (response) => {
      const body = response as MetadataResponse;
      const topics = body.topics.flatMap((t) => {
        if (t.name !== null && scope.can('DESCRIBE', 'TOPIC', t.name)) return [t];
        return t.name !== null && named.has(t.name) ? [{ ...t, errorCode: refused, ...(t.topicId === undefined ? {} : { topicId: ZERO_UUID }), partitions: [] }] : [];
      });
      return { ...body, topics };
    },
  };
};

const ZERO_UUID = 'AAAAAAAAAAAAAAAAAAAAAA';

/** ListGroups: only the groups the principal may DESCRIBE (all of them with DESCRIBE on the cluster). */
const listGroupsRule: AccessRule<unknown> = (request, scope) => {
  if (scope.can('DESCRIBE', 'CLUSTER', CLUSTER_RESOURCE_NAME)) return ALLOW;
  return {
    kind: 'filter',
    request,
    filter: (response) => {
      const body = response as ListGroupsResponse;
      return { ...body, groups: body.groups.filter((g) => scope.can('DESCRIBE', 'GROUP', g.groupId)) };
    },
  };
};

/** InitProducerId: WRITE on the transactional id, or without one IDEMPOTENT_WRITE on the cluster or WRITE on some topic. */
const initProducerIdRule: AccessRule<InitProducerIdRequest> = (request, scope) => {
  if (request.transactionalId !== null && request.transactionalId !== '') return denyUnless(scope.can('WRITE', 'TRANSACTIONAL_ID', request.transactionalId), 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED');
  if (scope.can('IDEMPOTENT_WRITE', 'CLUSTER', CLUSTER_RESOURCE_NAME)) return ALLOW;
  for (const name of scope.topicNames()) if (scope.can('WRITE', 'TOPIC', name)) return ALLOW;
  return { kind: 'deny', code: 'CLUSTER_AUTHORIZATION_FAILED' };
};

const produceRule: AccessRule<ProduceRequest> = (request, scope) => {
  const transactionalId = request.transactionalId;
  if (transactionalId !== null && transactionalId !== undefined && transactionalId !== '' && !scope.can('WRITE', 'TRANSACTIONAL_ID', transactionalId)) {
    return { kind: 'deny', code: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' };
  }
  return splitItems(request.topicData, (topicData) => ({ ...request, topicData }), (t) => scope.can('WRITE', 'TOPIC', t.name), 'TOPIC_AUTHORIZATION_FAILED', 'responses');
};

const offsetCommitRule: AccessRule<OffsetCommitRequest> = (request, scope) => {
  if (!scope.can('READ', 'GROUP', request.groupId)) return { kind: 'deny', code: 'GROUP_AUTHORIZATION_FAILED' };
  return splitItems(request.topics, (topics) => ({ ...request, topics }), (t) => scope.can('READ', 'TOPIC', t.name), 'TOPIC_AUTHORIZATION_FAILED', 'topics');
};

/** An OffsetFetch answer without the topics the principal may not DESCRIBE (a group's "all topics" answer, as Kafka filters it). */
const hideUndescribedOffsets =
  (scope: AccessScope) =>
  (response: object): object => {
    const body = response as OffsetFetchResponse;
    const described = <Topic extends { name: string }>(topics: Topic[]): Topic[] => topics.filter((t) => scope.can('DESCRIBE', 'TOPIC', t.name));
    return {
      ...body,
      ...(body.topics === undefined ? {} : { topics: described(body.topics) }),
      ...(body.groups === undefined ? {} : { groups: body.groups.map((g) => ({ ...g, topics: described(g.topics) })) }),
    };
  };

function offsetFetchDecision(request: OffsetFetchRequest, scope: AccessScope, apiVersion: number): AccessDecision<OffsetFetchRequest> {
  if (apiVersion >= OFFSET_FETCH_MULTI_GROUP_FROM_VERSION) {
    const groups = request.groups ?? [];
    return splitItems(groups, (g) => ({ ...request, groups: g }), (g) => scope.can('DESCRIBE', 'GROUP', g.groupId), 'GROUP_AUTHORIZATION_FAILED', 'groups');
  }
  if (!scope.can('DESCRIBE', 'GROUP', request.groupId ?? '')) return { kind: 'deny', code: 'GROUP_AUTHORIZATION_FAILED' };
  if (request.topics === null || request.topics === undefined) return ALLOW;
  return splitItems(request.topics, (topics) => ({ ...request, topics }), (t) => scope.can('DESCRIBE', 'TOPIC', t.name), 'TOPIC_AUTHORIZATION_FAILED', 'topics');
}

/** OffsetFetch: DESCRIBE on each group and each named topic; what is served leaves out the topics the principal may not DESCRIBE. */
const offsetFetchRule: AccessRule<OffsetFetchRequest> = (request, scope, apiVersion) => {
  const decision = offsetFetchDecision(request, scope, apiVersion);
  const hide = hideUndescribedOffsets(scope);
  if (decision.kind === 'allow') return { kind: 'filter', request, filter: hide };
  if (decision.kind === 'split') return { ...decision, merge: (allowed, denied) => decision.merge(hide(allowed), denied) };
  return decision;
};

const findCoordinatorRule: AccessRule<FindCoordinatorRequest> = (request, scope) => {
  const transaction = request.keyType === COORDINATOR_KEY_TRANSACTION;
  const allowed = (key: string) => (transaction ? scope.can('DESCRIBE', 'TRANSACTIONAL_ID', key) : scope.can('DESCRIBE', 'GROUP', key));
  const code: ErrorCode = transaction ? 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED' : 'GROUP_AUTHORIZATION_FAILED';
  if (request.coordinatorKeys === undefined) return denyUnless(allowed(request.key ?? ''), code);
  return splitItems(request.coordinatorKeys, (coordinatorKeys) => ({ ...request, coordinatorKeys }), allowed, code, 'coordinators');
};

/** A rule as the table holds it: applied only to requests of its own API. */
const erase = <Request>(rule: AccessRule<Request>): AccessRule<unknown> => rule as unknown as AccessRule<unknown>;

/**
 * The operation and resource each Kafka API needs, as Kafka's authorizer checks them (KIP-11
 * and the request handlers of Kafka's broker). ApiVersions and the SASL APIs need none.
 */
export const ACCESS_RULES: ReadonlyMap<number, AccessRule<unknown>> = new Map<number, AccessRule<unknown>>([
  [ApiKeys.Produce, erase(produceRule)],
  [ApiKeys.Fetch, erase(fetchRule)],
  [
    ApiKeys.ListOffsets,
    erase((request: ListOffsetsRequest, scope) =>
      splitItems(request.topics, (topics) => ({ ...request, topics }), (t) => scope.can('DESCRIBE', 'TOPIC', t.name), 'TOPIC_AUTHORIZATION_FAILED', 'topics')),
  ],
  [
    ApiKeys.OffsetForLeaderEpoch,
    erase((request: OffsetForLeaderEpochRequest, scope) =>
      splitItems(request.topics, (topics) => ({ ...request, topics }), (t) => scope.can('DESCRIBE', 'TOPIC', t.topic), 'TOPIC_AUTHORIZATION_FAILED', 'topics'),
    ),
  ],
  [
    ApiKeys.DeleteRecords,
    erase((request: DeleteRecordsRequest, scope) =>
      splitItems(request.topics, (topics) => ({ ...request, topics }), (t) => scope.can('DELETE', 'TOPIC', t.name), 'TOPIC_AUTHORIZATION_FAILED', 'topics'),
    ),
  ],
  [ApiKeys.Metadata, erase(metadataRule)],
  [ApiKeys.OffsetCommit, erase(offsetCommitRule)],
  [ApiKeys.OffsetFetch, erase(offsetFetchRule)],
  [ApiKeys.FindCoordinator, erase(findCoordinatorRule)],
  [ApiKeys.JoinGroup, erase(groupRule('READ'))],
  [ApiKeys.Heartbeat, erase(groupRule('READ'))],
  [ApiKeys.LeaveGroup, erase(groupRule('READ'))],
  [ApiKeys.SyncGroup, erase(groupRule('READ'))],
  [
    ApiKeys.DescribeGroups,
    erase((request: DescribeGroupsRequest, scope) =>
      splitItems(request.groups, (groups) => ({ ...request, groups }), (g) => scope.can('DESCRIBE', 'GROUP', g), 'GROUP_AUTHORIZATION_FAILED', 'groups')),
  ],
  [ApiKeys.ListGroups, erase(listGroupsRule)],
  [
    ApiKeys.DeleteGroups,
    erase((request: DeleteGroupsRequest, scope) =>
      splitItems(request.groupsNames, (groupsNames) => ({ ...request, groupsNames }), (g) => scope.can('DELETE', 'GROUP', g), 'GROUP_AUTHORIZATION_FAILED', 'results')),
  ],
  [
    ApiKeys.CreateTopics,
    erase((request: CreateTopicsRequest, scope) =>
      splitItems(
        request.topics,
        (topics) => ({ ...request, topics }),
        (t) => scope.can('CREATE', 'CLUSTER', CLUSTER_RESOURCE_NAME) || scope.can('CREATE', 'TOPIC', t.name),
        'TOPIC_AUTHORIZATION_FAILED',
        'topics',
      )),
  ],
  [
    ApiKeys.DeleteTopics,
    erase((request: DeleteTopicsRequest, scope) =>
      request.topics !== undefined
        ? splitItems(request.topics, (topics) => ({ ...request, topics }), (t) => scope.can('DELETE', 'TOPIC', t.name ?? scope.topicNameOf(t.topicId) ?? ''), 'TOPIC_AUTHORIZATION_FAILED', 'responses')
        : splitItems(request.topicNames ?? [], (topicNames) => ({ ...request, topicNames }), (name) => scope.can('DELETE', 'TOPIC', name), 'TOPIC_AUTHORIZATION_FAILED', 'responses')),
  ],
  [
    ApiKeys.CreatePartitions,
    erase((request: CreatePartitionsRequest, scope) =>
      splitItems(request.topics, (topics) => ({ ...request, topics }), (t) => scope.can('ALTER', 'TOPIC', t.name), 'TOPIC_AUTHORIZATION_FAILED', 'results')),
  ],
  [ApiKeys.DescribeConfigs, erase(configRule<DescribeConfigsRequest>('DESCRIBE_CONFIGS', 'results'))],
  [ApiKeys.AlterConfigs, erase(configRule<AlterConfigsRequest>('ALTER_CONFIGS', 'responses'))],
  [ApiKeys.IncrementalAlterConfigs, erase(configRule<IncrementalAlterConfigsRequest>('ALTER_CONFIGS', 'responses'))],
  [ApiKeys.InitProducerId, erase(initProducerIdRule)],
  [ApiKeys.DescribeCluster, erase(clusterRule('DESCRIBE'))],
  [ApiKeys.DescribeUserScramCredentials, erase(clusterRule('DESCRIBE'))],
  [ApiKeys.AlterUserScramCredentials, erase(clusterRule('ALTER'))],
  [ApiKeys.DescribeAcls, erase(clusterRule('DESCRIBE'))],
  [ApiKeys.CreateAcls, erase(clusterRule('ALTER'))],
  [ApiKeys.DeleteAcls, erase(clusterRule('ALTER'))],
]);
