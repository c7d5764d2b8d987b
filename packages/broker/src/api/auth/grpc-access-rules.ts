import type { handleBidiStreamingCall } from '@grpc/grpc-js';
import { CLUSTER_RESOURCE_NAME, type AclOperation, type AclResourceType } from '@quill/metadata';
import type { BidiStreamingMethods, BrokerHandlers, ErrorCode, ListGroupsResponse, MetadataResponse, OffsetFetchResponse, UnaryMethods } from '@quill/proto';
import type { AccessScope } from '../../kafka-listener/authorization/access-decision.js';

/** The Broker service's methods a client calls with a principal (all but Authenticate). */
export type GrpcClientMethod = Exclude<UnaryMethods<BrokerHandlers> | BidiStreamingMethods<BrokerHandlers>, 'Authenticate'>;

/** The decoded request of a method, unary or stream. */
export type RequestOf<M extends keyof BrokerHandlers> = BrokerHandlers[M] extends handleBidiStreamingCall<infer Request, infer _Response> ? Request : CallOf<M> extends { request: infer Request } ? Request : never;
type CallOf<M extends keyof BrokerHandlers> = Parameters<BrokerHandlers[M]>[0];

/**
 * One ACL check: `operation` on each named resource of `resourceType` (no names, nothing to check).
 * `orOnCluster`: the same operation on the cluster grants it too (Kafka's CREATE);
 * `orOnAnyTopic`: so does this operation on any one topic (Kafka's idempotent producer).
 */
export interface AccessCheck<Request> {
  resourceType: AclResourceType;
  operation: AclOperation;
  code: ErrorCode;
  names(request: Request, scope: AccessScope): readonly string[];
  orOnCluster?: boolean;
  orOnAnyTopic?: AclOperation;
}

/**
 * What a method needs: every check passes; `narrow` gives the request as the principal may make
 * it (what it may not do left out); `hide` names the answer filter of a listing method.
 */
export interface AccessRule<Request> {
  checks: ReadonlyArray<AccessCheck<Request>>;
  narrow?(request: Request, scope: AccessScope): Request;
  hide?: 'topics-not-described' | 'groups-not-described' | 'offsets-of-topics-not-described';
}

const CODES: Readonly<Record<AclResourceType, ErrorCode>> = {
  TOPIC: 'TOPIC_AUTHORIZATION_FAILED',
  GROUP: 'GROUP_AUTHORIZATION_FAILED',
  CLUSTER: 'CLUSTER_AUTHORIZATION_FAILED',
  TRANSACTIONAL_ID: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
};

const check = <Request>(resourceType: AclResourceType, operation: AclOperation, names: AccessCheck<Request>['names'], extra: Partial<AccessCheck<Request>> = {}): AccessCheck<Request> => ({
  resourceType,
  operation,
  code: CODES[resourceType],
  names,
  ...extra,
});
const onCluster = <Request>(operation: AclOperation): AccessRule<Request> => ({ checks: [check('CLUSTER', operation, () => [CLUSTER_RESOURCE_NAME])] });
const topics = <Request>(operation: AclOperation, names: (request: Request, scope: AccessScope) => readonly string[], extra?: Partial<AccessCheck<Request>>) => check('TOPIC', operation, names, extra);
const group = <Request extends { groupId: string }>(operation: AclOperation) => check<Request>('GROUP', operation, (r) => [r.groupId]);
const transactionalId = <Request extends { transactionalId?: string | null }>() =>
  check<Request>('TRANSACTIONAL_ID', 'WRITE', (r) => (r.transactionalId === undefined || r.transactionalId === null || r.transactionalId === '' ? [] : [r.transactionalId]));

const configs = <Request extends { resources: Array<{ resourceType: string; resourceName: string }> }>(operation: AclOperation): AccessRule<Request> => ({
  checks: [
    topics<Request>(operation, (r) => r.resources.filter((c) => c.resourceType === 'CONFIG_RESOURCE_TYPE_TOPIC').map((c) => c.resourceName)),
    check<Request>('CLUSTER', operation, (r) => (r.resources.some((c) => c.resourceType !== 'CONFIG_RESOURCE_TYPE_TOPIC') ? [CLUSTER_RESOURCE_NAME] : [])),
  ],
});

const topicName = (scope: AccessScope, name: string, topicId: string): string => (name !== '' || topicId === '' ? name : (scope.topicNameOf(topicId) ?? topicId));

const PRODUCE: AccessRule<RequestOf<'Produce'>> = { checks: [transactionalId(), topics('WRITE', (r) => r.topics.map((t) => t.name))] };
const FETCH: AccessRule<RequestOf<'Fetch'>> = { checks: [topics('READ', (r, scope) => r.topics.map((t) => topicName(scope, t.topic, t.topicId)))] };

/**
 * The ACL checks of each client RPC of the Broker service, as Kafka's authorizer makes them for
 * the matching Kafka API (the Kafka listener's table, authorization/access-rules.ts, holds the
 * same operations over Kafka's request shapes). A refused check refuses the whole request.
 */
export const GRPC_ACCESS_RULES: { readonly [M in GrpcClientMethod]: AccessRule<RequestOf<M>> } = {
  Metadata: {
    checks: [],
    // Auto-creation of a named topic needs CREATE on it or on the cluster, as Kafka's Metadata.
    narrow: (r, scope) =>
      r.allowAutoTopicCreation && !r.topics.every((name) => scope.can('CREATE', 'CLUSTER', CLUSTER_RESOURCE_NAME) || scope.can('CREATE', 'TOPIC', name)) ? { ...r, allowAutoTopicCreation: false } : r,
    hide: 'topics-not-described',
  },
  Produce: PRODUCE,
  ProduceStream: PRODUCE,
  Fetch: FETCH,
  FetchStream: FETCH,
  ListOffsets: { checks: [topics('DESCRIBE', (r) => r.topics.map((t) => t.name))] },
  DeleteRecords: { checks: [topics('DELETE', (r) => r.topics.map((t) => t.name))] },
  CreateTopics: { checks: [topics('CREATE', (r) => r.topics.map((t) => t.name), { orOnCluster: true })] },
  DeleteTopics: { checks: [topics('DELETE', (r, scope) => [...r.names, ...r.topicIds.map((id) => scope.topicNameOf(id) ?? id)])] },
  CreatePartitions: { checks: [topics('ALTER', (r) => r.topics.map((t) => t.name))] },
  DescribeConfigs: configs('DESCRIBE_CONFIGS'),
  AlterConfigs: configs('ALTER_CONFIGS'),
  IncrementalAlterConfigs: configs('ALTER_CONFIGS'),
  ElectLeaders: onCluster('ALTER'),
  DescribeCluster: onCluster('DESCRIBE'),
  DescribeQuorum: onCluster('DESCRIBE'),
  AlterPartitionReassignments: onCluster('ALTER'),
  ListPartitionReassignments: onCluster('DESCRIBE'),
  AlterUserScramCredentials: onCluster('ALTER'),
  DescribeUserScramCredentials: onCluster('DESCRIBE'),
  CreateAcls: onCluster('ALTER'),
  DescribeAcls: onCluster('DESCRIBE'),
  DeleteAcls: onCluster('ALTER'),
  UnregisterBroker: onCluster('ALTER'),
  FindCoordinator: {
    checks: [
      check('GROUP', 'DESCRIBE', (r) => (r.keyType === 'COORDINATOR_TYPE_TRANSACTION' ? [] : r.keys)),
      check('TRANSACTIONAL_ID', 'DESCRIBE', (r) => (r.keyType === 'COORDINATOR_TYPE_TRANSACTION' ? r.keys : [])),
    ],
  },
  JoinGroup: { checks: [group('READ')] },
  SyncGroup: { checks: [group('READ')] },
  Heartbeat: { checks: [group('READ')] },
  LeaveGroup: { checks: [group('READ')] },
  OffsetCommit: { checks: [group('READ'), topics('READ', (r) => r.topics.map((t) => t.name))] },
  // A group's every topic (none named) leaves out the topics the principal may not DESCRIBE, as Kafka's.
  OffsetFetch: { checks: [group('DESCRIBE'), topics('DESCRIBE', (r) => r.topics.map((t) => t.topic))], hide: 'offsets-of-topics-not-described' },
  ListGroups: { checks: [], hide: 'groups-not-described' },
  DescribeGroups: { checks: [check('GROUP', 'DESCRIBE', (r) => r.groupIds)] },
  DeleteGroups: { checks: [check('GROUP', 'DELETE', (r) => r.groupIds)] },
  InitProducerId: {
    checks: [
      transactionalId(),
      check('CLUSTER', 'IDEMPOTENT_WRITE', (r) => (r.transactionalId === null || r.transactionalId === undefined || r.transactionalId === '' ? [CLUSTER_RESOURCE_NAME] : []), { orOnAnyTopic: 'WRITE' }),
    ],
  },
  AddPartitionsToTxn: { checks: [transactionalId(), topics('WRITE', (r) => r.topics.map((t) => t.topic))] },
  AddOffsetsToTxn: { checks: [transactionalId(), group('READ')] },
  EndTxn: { checks: [transactionalId()] },
  TxnOffsetCommit: { checks: [transactionalId(), group('READ'), topics('READ', (r) => r.topics.map((t) => t.name))] },
};

/** Why a request is refused: Kafka's code and a message naming the principal and resource. */
export interface AccessRefusal {
  code: ErrorCode;
  message: string;
}

function passes<Request>(c: AccessCheck<Request>, name: string, scope: AccessScope): boolean {
  if (scope.can(c.operation, c.resourceType, name)) return true;
  if (c.orOnCluster === true && scope.can(c.operation, 'CLUSTER', CLUSTER_RESOURCE_NAME)) return true;
  const anyTopic = c.orOnAnyTopic;
  if (anyTopic !== undefined) for (const topic of scope.topicNames()) if (scope.can(anyTopic, 'TOPIC', topic)) return true;
  return false;
}

/** The first check `request` fails under `scope`, or undefined when it may be served. */
export function refusalOf<Request>(rule: AccessRule<Request>, request: Request, scope: AccessScope, principal: string): AccessRefusal | undefined {
  for (const c of rule.checks) {
    const refused = c.names(request, scope).find((name) => !passes(c, name, scope));
    if (refused !== undefined) return { code: c.code, message: `${principal} may not ${c.operation} ${c.resourceType} ${refused}` };
  }
  return undefined;
}

/** A listing answer without what the principal may not DESCRIBE: a topic it named comes back refused. */
export function hideUndescribed(hide: NonNullable<AccessRule<unknown>['hide']>, request: unknown, response: object, scope: AccessScope): object {
  if (hide === 'offsets-of-topics-not-described') {
    const body = response as OffsetFetchResponse;
    return { ...body, topics: (body.topics ?? []).filter((t) => scope.can('DESCRIBE', 'TOPIC', t.name ?? '')) };
  }
  if (hide === 'groups-not-described') {
    if (scope.can('DESCRIBE', 'CLUSTER', CLUSTER_RESOURCE_NAME)) return response;
    const body = response as ListGroupsResponse;
    return { ...body, groups: (body.groups ?? []).filter((g) => scope.can('DESCRIBE', 'GROUP', g.groupId ?? '')) };
  }
  const named = new Set((request as RequestOf<'Metadata'>).topics);
  const body = response as MetadataResponse;
  const topicsShown = (body.topics ?? []).flatMap((t) => {
    const name = t.name ?? '';
    if (scope.can('DESCRIBE', 'TOPIC', name)) return [t];
    return named.has(name) ? [{ name, errorCode: CODES.TOPIC, errorMessage: `not authorized to DESCRIBE topic ${name}`, partitions: [] }] : [];
  });
  return { ...body, topics: topicsShown };
}
