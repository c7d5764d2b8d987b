import { describe, expect, it } from 'vitest';
import { loadQuillPackage, type BidiStreamingMethods, type BrokerHandlers, type RaftHandlers, type UnaryMethods } from './index.js';

interface LoadedMethod {
  requestStream: boolean;
  responseStream: boolean;
}

/** The service's methods of one kind, as protobufjs loads them from the .proto files. */
function loadedMethods(service: 'Broker' | 'Raft', kind: 'unary' | 'bidi'): string[] {
  const methods = loadQuillPackage().quill.v1[service].service as unknown as Record<string, LoadedMethod>;
  return Object.entries(methods)
    .filter(([, m]) => (kind === 'unary' ? !m.requestStream && !m.responseStream : m.requestStream && m.responseStream))
    .map(([name]) => name)
    .sort();
}

// Each object must name exactly the derived type's members (`satisfies` rejects a missing or an
// extra key); the tests then hold those names against the loaded .proto files.
const brokerUnary = {
  Metadata: true,
  Produce: true,
  Fetch: true,
  ListOffsets: true,
  CreateTopics: true,
  DeleteTopics: true,
  CreatePartitions: true,
  DescribeConfigs: true,
  AlterConfigs: true,
  IncrementalAlterConfigs: true,
  ElectLeaders: true,
  DescribeCluster: true,
  DescribeQuorum: true,
  AlterPartitionReassignments: true,
  ListPartitionReassignments: true,
  AlterUserScramCredentials: true,
  DescribeUserScramCredentials: true,
  CreateAcls: true,
  DescribeAcls: true,
  DeleteAcls: true,
  UnregisterBroker: true,
  FindCoordinator: true,
  JoinGroup: true,
  SyncGroup: true,
  Heartbeat: true,
  LeaveGroup: true,
  OffsetCommit: true,
  OffsetFetch: true,
  ListGroups: true,
  DescribeGroups: true,
  DeleteGroups: true,
  InitProducerId: true,
  AddPartitionsToTxn: true,
  AddOffsetsToTxn: true,
  EndTxn: true,
  TxnOffsetCommit: true,
  DeleteRecords: true,
  Authenticate: true,
} satisfies Record<UnaryMethods<BrokerHandlers>, true>;
const brokerBidi = { ProduceStream: true, FetchStream: true } satisfies Record<BidiStreamingMethods<BrokerHandlers>, true>;
// Raft has every kind: unary, client streaming (InstallSnapshot) and bidi streams.
const raftUnary = { Vote: true, TimeoutNow: true } satisfies Record<UnaryMethods<RaftHandlers>, true>;
const raftBidi = { AppendStream: true, HeartbeatStream: true } satisfies Record<BidiStreamingMethods<RaftHandlers>, true>;

describe('RPC method names derived from the generated handlers', () => {
  it('UnaryMethods names exactly the unary RPCs of the service', () => {
    expect(Object.keys(brokerUnary).sort()).toEqual(loadedMethods('Broker', 'unary'));
    expect(Object.keys(raftUnary).sort()).toEqual(loadedMethods('Raft', 'unary'));
  });

  it('BidiStreamingMethods names exactly the bidirectional streams of the service', () => {
    expect(Object.keys(brokerBidi).sort()).toEqual(loadedMethods('Broker', 'bidi'));
    expect(Object.keys(raftBidi).sort()).toEqual(loadedMethods('Raft', 'bidi'));
  });
});
