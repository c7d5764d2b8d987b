import { encodeBatch } from '@quill/records';
import { onCluster, onGroup, onTopic, onTransactionalId, type MatrixNames, type MatrixRow } from './authorization-matrix.js';

/** How a Kafka row calls its API: the version and the request body for a pair's names. */
export type KafkaRequestOf = (names: MatrixNames) => { version: number; body: object };

const TIMEOUT_MS = 5000;
const UNKNOWN_MEMBER = 'mx-nobody';
// Kafka's numbers: config resource TOPIC; ACL resource types, pattern types, operations and permissions.
const CONFIG_TOPIC = 2;
const ACL = { ANY: 1, TOPIC: 2, LITERAL: 3, READ: 3, ALLOW: 3 } as const;
const SCRAM_SHA_512 = 2;

/**
 * Every Kafka API the listener serves but ApiVersions and the SASL ones (which need no ACL), by
 * its ApiKeys name: the ACLs Kafka's authorizer checks and the code a principal without them gets.
 */
export const KAFKA_MATRIX_ROWS: Readonly<Record<string, MatrixRow<KafkaRequestOf>>> = {
  Produce: {
    needs: [onTopic('WRITE')],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ version: 7, body: { transactionalId: null, acks: 1, timeoutMs: TIMEOUT_MS, topicData: [{ name: n.topic, partitionData: [{ index: 0, records: encodeBatch([{ value: 'matrix' }]) }] }] } }),
  },
  Fetch: {
    needs: [onTopic('READ')],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({
      version: 11,
      body: {
        replicaId: -1,
        maxWaitMs: 0,
        minBytes: 0,
        maxBytes: 65_536,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [{ topic: n.topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0n, logStartOffset: -1n, partitionMaxBytes: 65_536 }] }],
        forgottenTopicsData: [],
        rackId: '',
      },
    }),
  },
  ListOffsets: {
    needs: [onTopic('DESCRIBE')],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ version: 5, body: { replicaId: -1, isolationLevel: 0, topics: [{ name: n.topic, partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp: -1n }] }] } }),
  },
  OffsetForLeaderEpoch: {
    needs: [onTopic('DESCRIBE')],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ version: 3, body: { replicaId: -1, topics: [{ topic: n.topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, leaderEpoch: 0 }] }] } }),
  },
  DeleteRecords: {
    needs: [onTopic('DELETE')],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ version: 1, body: { topics: [{ name: n.topic, partitions: [{ partitionIndex: 0, offset: 0n }] }], timeoutMs: TIMEOUT_MS } }),
  },
  Metadata: {
    needs: [onTopic('DESCRIBE')],
    refusal: 'hidden',
    call: () => ({ version: 9, body: { topics: null, allowAutoTopicCreation: false, includeClusterAuthorizedOperations: false, includeTopicAuthorizedOperations: false } }),
  },
  OffsetCommit: {
    needs: [onGroup('READ'), onTopic('READ')],
    refusal: 'GROUP_AUTHORIZATION_FAILED',
    call: (n) => ({
      version: 8,
      body: { groupId: n.group, generationId: -1, memberId: '', groupInstanceId: null, topics: [{ name: n.topic, partitions: [{ partitionIndex: 0, committedOffset: 0n, committedLeaderEpoch: -1, committedMetadata: null }] }] },
    }),
  },
  // Every topic of the group (null): the group's offsets on the secret topic must stay hidden.
  OffsetFetch: { needs: [onGroup('DESCRIBE'), onTopic('DESCRIBE')], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ version: 7, body: { groupId: n.group, topics: null, requireStable: false } }) },
  FindCoordinator: { needs: [onGroup('DESCRIBE')], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ version: 3, body: { key: n.group, keyType: 0 } }) },
  JoinGroup: {
    needs: [onGroup('READ')],
    refusal: 'GROUP_AUTHORIZATION_FAILED',
    call: (n) => ({
      version: 5,
      body: { groupId: n.group, sessionTimeoutMs: 10_000, rebalanceTimeoutMs: 10_000, memberId: UNKNOWN_MEMBER, groupInstanceId: null, protocolType: 'consumer', protocols: [{ name: 'range', metadata: Buffer.alloc(0) }] },
    }),
  },
  Heartbeat: { needs: [onGroup('READ')], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ version: 3, body: { groupId: n.group, generationId: 1, memberId: UNKNOWN_MEMBER, groupInstanceId: null } }) },
  LeaveGroup: { needs: [onGroup('READ')], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ version: 3, body: { groupId: n.group, members: [{ memberId: UNKNOWN_MEMBER, groupInstanceId: null }] } }) },
  SyncGroup: {
    needs: [onGroup('READ')],
    refusal: 'GROUP_AUTHORIZATION_FAILED',
    call: (n) => ({ version: 3, body: { groupId: n.group, generationId: 1, memberId: UNKNOWN_MEMBER, groupInstanceId: null, assignments: [] } }),
  },
  DescribeGroups: { needs: [onGroup('DESCRIBE')], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ version: 4, body: { groups: [n.group], includeAuthorizedOperations: false } }) },
  ListGroups: { needs: [onGroup('DESCRIBE')], refusal: 'hidden', call: () => ({ version: 3, body: {} }) },
  DeleteGroups: { needs: [onGroup('DELETE', (n) => n.deletableGroup)], refusal: 'GROUP_AUTHORIZATION_FAILED', call: (n) => ({ version: 1, body: { groupsNames: [n.deletableGroup] } }) },
  CreateTopics: {
    needs: [onTopic('CREATE', (n) => n.newTopic)],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ version: 5, body: { topics: [{ name: n.newTopic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }], timeoutMs: TIMEOUT_MS, validateOnly: true } }),
  },
  DeleteTopics: { needs: [onTopic('DELETE', (n) => n.deletableTopic)], refusal: 'TOPIC_AUTHORIZATION_FAILED', call: (n) => ({ version: 4, body: { topicNames: [n.deletableTopic], timeoutMs: TIMEOUT_MS } }) },
  CreatePartitions: {
    needs: [onTopic('ALTER')],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ version: 1, body: { topics: [{ name: n.topic, count: 2, assignments: null }], timeoutMs: TIMEOUT_MS, validateOnly: true } }),
  },
  DescribeConfigs: {
    needs: [onTopic('DESCRIBE_CONFIGS')],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ version: 2, body: { resources: [{ resourceType: CONFIG_TOPIC, resourceName: n.topic, configurationKeys: null }], includeSynonyms: false } }),
  },
  AlterConfigs: {
    needs: [onTopic('ALTER_CONFIGS')],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ version: 1, body: { resources: [{ resourceType: CONFIG_TOPIC, resourceName: n.topic, configs: [{ name: 'retention.ms', value: '604800000' }] }], validateOnly: true } }),
  },
  IncrementalAlterConfigs: {
    needs: [onTopic('ALTER_CONFIGS')],
    refusal: 'TOPIC_AUTHORIZATION_FAILED',
    call: (n) => ({ version: 0, body: { resources: [{ resourceType: CONFIG_TOPIC, resourceName: n.topic, configs: [{ name: 'retention.ms', configOperation: 0, value: '604800000' }] }], validateOnly: true } }),
  },
  InitProducerId: {
    needs: [onTransactionalId('WRITE')],
    refusal: 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
    call: (n) => ({ version: 2, body: { transactionalId: n.transactionalId, transactionTimeoutMs: 60_000 } }),
  },
  DescribeCluster: { needs: [onCluster('DESCRIBE')], refusal: 'CLUSTER_AUTHORIZATION_FAILED', call: () => ({ version: 0, body: { includeClusterAuthorizedOperations: false } }) },
  DescribeUserScramCredentials: { needs: [onCluster('DESCRIBE')], refusal: 'CLUSTER_AUTHORIZATION_FAILED', call: () => ({ version: 0, body: { users: null } }), seesEverything: true },
  AlterUserScramCredentials: {
    needs: [onCluster('ALTER')],
    refusal: 'CLUSTER_AUTHORIZATION_FAILED',
    call: () => ({ version: 0, body: { deletions: [{ name: 'mx-nobody', mechanism: SCRAM_SHA_512 }], upsertions: [] } }),
  },
  DescribeAcls: {
    needs: [onCluster('DESCRIBE')],
    refusal: 'CLUSTER_AUTHORIZATION_FAILED',
    call: () => ({
      version: 1,
      body: { resourceTypeFilter: ACL.ANY, resourceNameFilter: null, patternTypeFilter: ACL.ANY, principalFilter: null, hostFilter: null, operation: ACL.ANY, permissionType: ACL.ANY },
    }),
    seesEverything: true,
  },
  CreateAcls: {
    needs: [onCluster('ALTER')],
    refusal: 'CLUSTER_AUTHORIZATION_FAILED',
    call: (n) => ({
      version: 1,
      body: { creations: [{ resourceType: ACL.TOPIC, resourceName: n.topic, resourcePatternType: ACL.LITERAL, principal: 'User:mx-nobody', host: '*', operation: ACL.READ, permissionType: ACL.ALLOW }] },
    }),
  },
  DeleteAcls: {
    needs: [onCluster('ALTER')],
    refusal: 'CLUSTER_AUTHORIZATION_FAILED',
    call: (n) => ({
      version: 1,
      body: {
        filters: [{ resourceTypeFilter: ACL.TOPIC, resourceNameFilter: n.topic, patternTypeFilter: ACL.LITERAL, principalFilter: 'User:mx-nobody', hostFilter: null, operation: ACL.ANY, permissionType: ACL.ANY }],
      },
    }),
  },
};
