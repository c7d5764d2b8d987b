export { Admin } from './admin.js';
export { brokerState } from './broker-state.js';
export { ConfigResourceTypes } from './config-types.js';
export type {
  AlterConfigOperation,
  AlterConfigsOptions,
  ConfigEntryDescription,
  ConfigResourceType,
  ConfigSourceName,
  CreatePartitionsOptions,
  DescribeConfigsOptions,
  DescribeConfigsResult,
  IncrementalAlterConfigsOptions,
} from './config-types.js';
export type {
  AdminOptions,
  BrokerState,
  ClusterDescription,
  CreateTopicsOptions,
  DeleteTopicsOptions,
  ElectLeadersOptions,
  ElectionResult,
  PartitionOffsets,
  QuorumDescription,
  QuorumReplica,
  TopicConfig,
  TopicDescription,
} from './types.js';
export type {
  FetchOffsetsOptions,
  GroupDescription,
  GroupMemberDescription,
  GroupOverview,
  GroupPartitionOffset,
  ResetOffsetsOptions,
  SetOffsetsOptions,
} from './group-types.js';
export type { DeletedRecords, DeleteTopicRecordsOptions, PartitionOffset } from './records-types.js';
export type {
  AlterPartitionReassignmentsOptions,
  ListPartitionReassignmentsOptions,
  ListPartitionReassignmentsResult,
  OngoingPartitionReassignment,
  PartitionReassignmentTarget,
} from './reassignment-types.js';
export type {
  AclEntry,
  AclFilter,
  AclOperationType,
  AclPermissionType,
  AclResourcePatternType,
  AclResourceType,
  DeleteAclsResult,
  DescribeAclsResult,
} from './acls.js';
export type {
  AlterUserScramCredentialsResult,
  ScramCredentialInfo,
  UserScramCredentialAlteration,
  UserScramCredentialDeletion,
  UserScramCredentialUpsertion,
  UserScramCredentialsDescription,
} from './user-scram-credentials.js';
