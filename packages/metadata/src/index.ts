// @quill/metadata: the cluster metadata that controllers decide and brokers follow. The records,
// the pure state and its reducer (with snapshots and read queries), the topic-config table, a
// client for the active controller, and the follower that streams the committed metadata log
// into a local state.

// Metadata state and reducer
export {
  EMPTY_METADATA_STATE,
  NO_LEADER,
  configResourceKey,
  type BrokerEndpoint,
  type BrokerRegistration,
  type ConfigResource,
  type ConfigResourceKind,
  type MetadataState,
  type PartitionMetadata,
  type PartitionReassignment,
  type ProducerIdsState,
  type TopicMetadata,
} from './state/state.js';
export { MetadataInvariantError, applyRecord, applyRecords } from './state/apply-record.js';
export { restore, snapshot } from './state/snapshot.js';
export { canonicalMetadata } from './state/canonical.js';
export {
  allPartitions,
  brokerEndpoint,
  brokersSortedById,
  configEntries,
  effectiveTopicConfig,
  isLiveBroker,
  isUsableBroker,
  liveBrokerEndpoint,
  liveBrokers,
  offlineReplicas,
  partitionOf,
  partitionsLedBy,
  partitionsOf,
  scramCredentialOf,
  topicById,
  topicByName,
  topicsSortedByName,
  usableBrokers,
} from './state/queries.js';
export {
  brokerShutdownRecord,
  configRecord,
  configResourceKind,
  featureLevelRecord,
  fenceBrokerRecord,
  noOpRecord,
  partitionChangeRecord,
  partitionRecord,
  producerIdsRecord,
  registerBrokerRecord,
  removeTopicRecord,
  accessControlEntryRecord,
  removeAccessControlEntryRecord,
  removeUserScramCredentialRecord,
  topicRecord,
  unfenceBrokerRecord,
  unregisterBrokerRecord,
  userScramCredentialRecord,
  type MetadataRecord,
  type PartitionChange,
  type RegisterBrokerFields,
} from './state/records.js';

// SCRAM credentials as the state keeps them (the math lives in @quill/security)
export { SCRAM_MECHANISMS, type ScramCredential, type ScramMechanism } from '@quill/security';

// Access control lists and the authorizer that reads them
export {
  ACL_OPERATIONS,
  ACL_PATTERN_TYPES,
  ACL_PERMISSIONS,
  ACL_RESOURCE_TYPES,
  ACL_WILDCARD,
  CLUSTER_RESOURCE_NAME,
  WILDCARD_PRINCIPAL,
  invalidAclBinding,
  isAclOperation,
  isAclPatternType,
  isAclPermission,
  isAclResourceType,
  type AclBinding,
  type AclOperation,
  type AclPatternType,
  type AclPermission,
  type AclResourceType,
} from './acl/acl-binding.js';
export {
  aclsMatching,
  matchesAclFilter,
  parseAclBindingFilter,
  sameAclBinding,
  type AclBindingFilter,
  type AclBindingFilterFields,
  type AclPatternTypeFilter,
} from './acl/acl-filter.js';
export { authorize, matchesResource, type AuthorizationRequest, type AuthorizerSettings } from './acl/authorize.js';

// Topic configs
export {
  TOPIC_CONFIG_DEFINITIONS,
  checkConfigValue,
  checkConfigValues,
  checkTopicConfigs,
  listItems,
  type ConfigValueType,
  type TopicConfigDefinition,
} from './config/topic-configs.js';
export {
  BROKER_CONFIG_DEFINITIONS,
  UNLIMITED_RATE,
  checkBrokerConfigValues,
  effectiveBrokerConfig,
  followerReplicationThrottledRate,
  refuseBrokerKeysOnTopic,
  type BrokerConfigSource,
} from './config/broker-configs.js';

// A node's data directory
export { checkNodeIdentity } from './identity/node-identity.js';

// Talking to the controllers
export { ControllerClient, type ControllerClientOptions, type UnaryMethod } from './client/controller-client.js';
export {
  DEFAULT_METADATA_RECONNECT_BACKOFF_MS,
  MetadataFollower,
  type FollowedControllers,
  type MetadataFollowerOptions,
} from './client/metadata-follower.js';
export { DEFAULT_METADATA_FETCH_TIMEOUT_MS } from './client/stream-watch.js';
