import { encodeBatch } from '@quill/records';
import { onCluster, onGroup, onTopic, onTransactionalId, type MatrixNames, type MatrixRow } from './authorization-matrix.js';

/** How a gRPC row calls its method: the request for a pair's names. */
export type GrpcRequestOf = (names: MatrixNames) => object;

// A producer id no broker gave out: transaction calls past the ACL checks fail on it, harmlessly.
const UNKNOWN_PRODUCER = { producerId: 999_999, producerEpoch: 0 };
// A member id no group knows: group calls past the ACL checks fail on it without joining.
const UNKNOWN_MEMBER = 'mx-nobody';
const TIMEOUT_MS = 5000;

const produce: GrpcRequestOf = (n) => ({ acks: 1, timeoutMs: TIMEOUT_MS, topics: [{ name: n.topic, partitions: [{ partition: 0, records: encodeBatch([{ value: 'matrix' }]) }] }] });
const fetch: GrpcRequestOf = (n) => ({
  maxWaitMs: 0,
  minBytes: 0,
  maxBytes: 65_536,
  isolationLevel: 'ISOLATION_LEVEL_READ_UNCOMMITTED',
  topics: [{ topic: n.topic, partitions: [{ partition: 0, fetchOffset: 0, partitionMaxBytes: 65_536 }] }],
});
const topicConfig = (n: MatrixNames) => ({ resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: n.topic });
const NO_TRANSACTIONS = 'the broker serves no transaction RPC over gRPC yet (the Kafka listener serves InitProducerId only)';
const offsets = (n: MatrixNames) => [{ name: n.topic, partitions: [{ partition: 0, committedOffset: 0 }] }];

/**
 * Every client method of the Broker service (all but Authenticate): the ACLs it needs, as Kafka's
 * authorizer checks the matching Kafka API, and the code a principal without them is answered.
 */
export const GRPC_MATRIX_ROWS: Readonly<Record<string, MatrixRow<GrpcRequestOf>>> = {
  Metadata: { needs: [onTopic('DESCRIBE')], refusal: 'hidden', call: () => ({ topics: [], allTopics: true, allowAutoTopicCreation: false }) },
  Produce: { needs: [onTopic('WRITE')], refusal: 'TOPIC_AUTHORIZATION_FAILED', call: produce },
  ProduceStream: { needs: [onTopic('WRITE')], refusal: 'TOPIC_AUTHORIZATION_FAILED', call: produce },
  Fetch: { needs: [onTopic('READ')], refusal: 'TOPIC_AUTHORIZATION_FAILED', call: fetch },
  FetchStream: { needs: [onTopic('READ')], refusal: 'TOPIC_AUTHORIZATION_FAILED', call: fetch },
  ListOffsets: { needs: [onTopic('DESCRIBE')], refusal: 'TOPIC_AUTHORIZATION_FAILED', call: (n) => ({ topics: [{ name: n.topic, partitions: [{ partition: 0, timestamp: -1 }] }] }) },
  DeleteRecords: { needs: [onTopic('DELETE')], refusal: 'TOPIC_AUTHORIZATION_FAILED', call: (n) => ({ topics: [{ name: n.topic, partitions: [{ partition: 0, offset: 0 }] }], timeoutMs: TIMEOUT_MS }) },
  CreateTopics: {
    needs: [onTopic('CREATE', (n) => n.newTopic)],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ topics: [{ name: n.newTopic, numPartitions: 1, replicationFactor: 1 }], timeoutMs: TIMEOUT_MS, validateOnly: true }),
  },
  DeleteTopics: { needs: [onTopic('DELETE', (n) => n.deletableTopic)], refusal: 'TOPIC_AUTHORIZATION_FAILED', call: (n) => ({ names: [n.deletableTopic], topicIds: [], timeoutMs: TIMEOUT_MS }) },
  CreatePartitions: { needs: [onTopic('ALTER')], refusal: 'TOPIC_AUTHORIZATION_FAILED', call: (n) => ({ topics: [{ name: n.topic, count: 2 }], timeoutMs: TIMEOUT_MS, validateOnly: true }) },
  DescribeConfigs: { needs: [onTopic('DESCRIBE_CONFIGS')], refusal: 'TOPIC_AUTHORIZATION_FAILED', call: (n) => ({ resources: [{ ...topicConfig(n), configNames: [] }] }) },
  AlterConfigs: {
    needs: [onTopic('ALTER_CONFIGS')],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ resources: [{ ...topicConfig(n), configs: { 'retention.ms': '604800000' } }], validateOnly: true }),
  },
  IncrementalAlterConfigs: {
    needs: [onTopic('ALTER_CONFIGS')],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ resources: [{ ...topicConfig(n), configs: [{ name: 'retention.ms', op: 'ALTER_CONFIG_OP_SET', value: '604800000' }] }], validateOnly: true }),
  },
  ElectLeaders: {
    needs: [onCluster('ALTER')],
    refusal: 'CLUSTER_AUTHORIZATION_FAILED',
    call: (n) => ({ electionType: 'ELECTION_TYPE_PREFERRED', topics: [{ topic: n.topic, partitions: [0] }], timeoutMs: TIMEOUT_MS }),
  },
  DescribeCluster: { needs: [onCluster('DESCRIBE')], refusal: 'CLUSTER_AUTHORIZATION_FAILED', call: () => ({}) },
  DescribeQuorum: { needs: [onCluster('DESCRIBE')], refusal: 'CLUSTER_AUTHORIZATION_FAILED', call: () => ({}) },
  AlterPartitionReassignments: {
    needs: [onCluster('ALTER')],
    refusal: 'CLUSTER_AUTHORIZATION_FAILED',
    // No replicas: cancel a reassignment (there is none), changing nothing.
    call: (n) => ({ topics: [{ name: n.topic, partitions: [{ partition: 0 }] }], timeoutMs: TIMEOUT_MS }),
  },
  ListPartitionReassignments: { needs: [onCluster('DESCRIBE')], refusal: 'CLUSTER_AUTHORIZATION_FAILED', call: () => ({ topics: [], timeoutMs: TIMEOUT_MS }), seesEverything: true },
  AlterUserScramCredentials: {
    needs: [onCluster('ALTER')],
    refusal: 'CLUSTER_AUTHORIZATION_FAILED',
    call: () => ({ deletions: [{ name: 'mx-nobody', mechanism: 'SCRAM-SHA-512' }], upsertions: [] }),
  },
  DescribeUserScramCredentials: { needs: [onCluster('DESCRIBE')], refusal: 'CLUSTER_AUTHORIZATION_FAILED', call: () => ({ users: [] }), seesEverything: true },
  CreateAcls: {
    needs: [onCluster('ALTER')],
    refusal: 'CLUSTER_AUTHORIZATION_FAILED',
    call: (n) => ({ creations: [{ resourceType: 'TOPIC', resourceName: n.topic, patternType: 'LITERAL', principal: 'User:mx-nobody', host: '*', operation: 'READ', permission: 'ALLOW' }] }),
  },
  DescribeAcls: { needs: [onCluster('DESCRIBE')], refusal: 'CLUSTER_AUTHORIZATION_FAILED', call: () => ({ filter: {} }), seesEverything: true },
  DeleteAcls: { needs: [onCluster('ALTER')], refusal: 'CLUSTER_AUTHORIZATION_FAILED', call: (n) => ({ filters: [{ principal: 'User:mx-nobody', resourceName: n.topic }] }) },
  UnregisterBroker: { needs: [onCluster('ALTER')], refusal: 'CLUSTER_AUTHORIZATION_FAILED', call: () => ({ brokerId: 999 }) },
  FindCoordinator: { needs: [onGroup('DESCRIBE')], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ keyType: 'COORDINATOR_TYPE_GROUP', keys: [n.group] }) },
  JoinGroup: {
    needs: [onGroup('READ')],
    refusal: 'GROUP_AUTHORIZATION_FAILED',
    call: (n) => ({ groupId: n.group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: UNKNOWN_MEMBER, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] }),
  },
  SyncGroup: { needs: [onGroup('READ')], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ groupId: n.group, generationId: 1, memberId: UNKNOWN_MEMBER, assignments: [] }) },
  Heartbeat: { needs: [onGroup('READ')], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ groupId: n.group, generationId: 1, memberId: UNKNOWN_MEMBER }) },
  LeaveGroup: { needs: [onGroup('READ')], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ groupId: n.group, members: [{ memberId: UNKNOWN_MEMBER }] }) },
  OffsetCommit: {
    needs: [onGroup('READ'), onTopic('READ')],
    refusal: 'GROUP_AUTHORIZATION_FAILED',
    call: (n) => ({ groupId: n.group, generationId: -1, memberId: '', topics: offsets(n) }),
  },
  // Every topic of the group (none named): the group's offsets on the secret topic must stay hidden.
  OffsetFetch: { needs: [onGroup('DESCRIBE'), onTopic('DESCRIBE')], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ groupId: n.group, topics: [] }) },
  ListGroups: { needs: [onGroup('DESCRIBE')], refusal: 'hidden', call: () => ({ statesFilter: [] }) },
  DescribeGroups: { needs: [onGroup('DESCRIBE')], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ groupIds: [n.group] }) },
  DeleteGroups: { needs: [onGroup('DELETE', (n) => n.deletableGroup)], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ groupIds: [n.deletableGroup] }) },
  InitProducerId: { needs: [onTransactionalId('WRITE')], refusal: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', call: (n) => ({ transactionalId: n.transactionalId, transactionTimeoutMs: 60_000 }) },
  AddPartitionsToTxn: {
    needs: [onTransactionalId('WRITE'), onTopic('WRITE')],
    refusal: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
    unimplemented: NO_TRANSACTIONS,
    call: (n) => ({ transactionalId: n.transactionalId, ...UNKNOWN_PRODUCER, topics: [{ topic: n.topic, partitions: [0] }] }),
  },
  AddOffsetsToTxn: {
    needs: [onTransactionalId('WRITE'), onGroup('READ')],
    refusal: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
    unimplemented: NO_TRANSACTIONS,
    call: (n) => ({ transactionalId: n.transactionalId, ...UNKNOWN_PRODUCER, groupId: n.group }),
  },
  EndTxn: {
    needs: [onTransactionalId('WRITE')],
    refusal: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
    unimplemented: NO_TRANSACTIONS,
    call: (n) => ({ transactionalId: n.transactionalId, ...UNKNOWN_PRODUCER, committed: false }),
  },
  TxnOffsetCommit: {
    needs: [onTransactionalId('WRITE'), onGroup('READ'), onTopic('READ')],
    refusal: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
    unimplemented: NO_TRANSACTIONS,
    call: (n) => ({ transactionalId: n.transactionalId, groupId: n.group, ...UNKNOWN_PRODUCER, generationId: -1, memberId: '', topics: offsets(n) }),
  },
};
