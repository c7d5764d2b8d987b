import { describe, expect, it } from 'vitest';
import { decodeMetadataRecordBatch, encodeMetadataRecordBatch, loadQuillPackage, protoFiles } from './index.js';

const EXPECTED: Record<string, string[]> = {
  Raft: ['Vote', 'AppendStream', 'HeartbeatStream', 'InstallSnapshot', 'TimeoutNow'],
  Controller: [
    'RegisterBroker',
    'BrokerHeartbeat',
    'UnregisterBroker',
    'FetchMetadata',
    'AlterPartition',
    'AllocateProducerIds',
    'CreateTopics',
    'DeleteTopics',
    'CreatePartitions',
    'DescribeConfigs',
    'AlterConfigs',
    'IncrementalAlterConfigs',
    'ElectLeaders',
    'DescribeCluster',
    'DescribeQuorum',
    'AlterPartitionReassignments',
    'ListPartitionReassignments',
    'AlterUserScramCredentials',
    'DescribeUserScramCredentials',
    'CreateAcls',
    'DescribeAcls',
    'DeleteAcls',
  ],
  Broker: [
    'Metadata',
    'Produce',
    'ProduceStream',
    'Fetch',
    'FetchStream',
    'ListOffsets',
    'CreateTopics',
    'DeleteTopics',
    'CreatePartitions',
    'DescribeConfigs',
    'AlterConfigs',
    'IncrementalAlterConfigs',
    'ElectLeaders',
    'DescribeCluster',
    'DescribeQuorum',
    'AlterPartitionReassignments',
    'ListPartitionReassignments',
    'AlterUserScramCredentials',
    'DescribeUserScramCredentials',
    'CreateAcls',
    'DescribeAcls',
    'DeleteAcls',
    'UnregisterBroker',
    'FindCoordinator',
    'JoinGroup',
    'SyncGroup',
    'Heartbeat',
    'LeaveGroup',
    'OffsetCommit',
    'OffsetFetch',
    'ListGroups',
    'DescribeGroups',
    'DeleteGroups',
    'InitProducerId',
    'AddPartitionsToTxn',
    'AddOffsetsToTxn',
    'EndTxn',
    'TxnOffsetCommit',
    'DeleteRecords',
    'Authenticate',
  ],
  Replica: ['ReplicaFetch', 'ReplicaFetchStream', 'OffsetForLeaderEpoch', 'WriteTxnMarkers'],
};

// [requestStream, responseStream] for the streaming methods; every other method is unary.
const STREAMING: Record<string, [boolean, boolean]> = {
  'Raft.AppendStream': [true, true],
  'Raft.HeartbeatStream': [true, true],
  'Raft.InstallSnapshot': [true, false],
  'Controller.FetchMetadata': [false, true],
  'Broker.ProduceStream': [true, true],
  'Broker.FetchStream': [true, true],
  'Replica.ReplicaFetchStream': [true, true],
};

describe('loadQuillPackage', () => {
  it('finds every proto file', () => {
    expect(protoFiles()).toEqual([
      'quill/v1/broker.proto',
      'quill/v1/consumer_protocol.proto',
      'quill/v1/controller.proto',
      'quill/v1/errors.proto',
      'quill/v1/group_metadata.proto',
      'quill/v1/metadata.proto',
      'quill/v1/raft.proto',
      'quill/v1/replica.proto',
    ]);
  });

  it('is cached', () => {
    expect(loadQuillPackage()).toBe(loadQuillPackage());
  });

  it.each(Object.keys(EXPECTED))('loads service %s with exactly the expected methods', (name) => {
    const v1 = loadQuillPackage().quill.v1 as unknown as Record<string, { service?: Record<string, unknown> }>;
    const service = v1[name]?.service as
      | Record<string, { path: string; requestStream: boolean; responseStream: boolean }>
      | undefined;
    expect(service, `service ${name}`).toBeDefined();
    if (!service) return;
    expect(Object.keys(service).sort()).toEqual([...(EXPECTED[name] ?? [])].sort());
    for (const [method, def] of Object.entries(service)) {
      expect(def.path).toBe(`/quill.v1.${name}/${method}`);
      const [req, res] = STREAMING[`${name}.${method}`] ?? [false, false];
      expect([def.requestStream, def.responseStream], `${name}.${method}`).toEqual([req, res]);
    }
  });

  it('keeps proto3 optional presence and oneof cases through a metadata batch', () => {
    const bytes = encodeMetadataRecordBatch({
      records: [
        { partitionChange: { topicId: 't', partition: 3, isr: { brokerIds: [1, 2] }, leaderEpoch: 4, partitionEpoch: 9 } },
        { partitionChange: { topicId: 't', partition: 3, leader: 0, leaderEpoch: 5, partitionEpoch: 10 } },
        { config: { resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: 't', key: 'retention.ms' } },
        { config: { resourceType: 'CONFIG_RESOURCE_TYPE_TOPIC', resourceName: 't', key: 'k', value: '' } },
        { noOp: {} },
      ],
    });
    const [a, b, c, d, e] = decodeMetadataRecordBatch(new Uint8Array(bytes)).records;
    expect(a?.record).toBe('partitionChange');
    expect(a?.partitionChange?.leader).toBeUndefined();
    expect(a?.partitionChange?.isr?.brokerIds).toEqual([1, 2]);
    expect(a?.partitionChange?.replicas).toBeNull();
    expect(b?.partitionChange?.leader).toBe(0);
    expect(b?.partitionChange?.isr).toBeNull();
    expect(c?.config?.value).toBeUndefined();
    expect(d?.config?.value).toBe('');
    expect(d?.config?.resourceType).toBe('CONFIG_RESOURCE_TYPE_TOPIC');
    expect(e?.record).toBe('noOp');
  });
});
