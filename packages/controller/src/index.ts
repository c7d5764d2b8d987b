// @quill/controller: the controller node. So far its pure part: the metadata state machine
// (a reducer over metadata records, with snapshots) and the decisions of the active controller
// (requests in, records to propose out).

// Metadata state machine
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
  type ProducerIdsState,
  type TopicMetadata,
} from './metadata/state.js';
export { MetadataInvariantError, applyRecord, applyRecords } from './metadata/apply-record.js';
export { restore, snapshot } from './metadata/snapshot.js';
export { canonicalMetadata } from './metadata/canonical.js';
export {
  allPartitions,
  brokersSortedById,
  configEntries,
  effectiveTopicConfig,
  isUsableBroker,
  liveBrokers,
  partitionOf,
  partitionsLedBy,
  partitionsOf,
  topicById,
  topicByName,
  topicsSortedByName,
  usableBrokers,
} from './metadata/queries.js';
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
  topicRecord,
  unfenceBrokerRecord,
  unregisterBrokerRecord,
  type MetadataRecord,
  type PartitionChange,
  type RegisterBrokerFields,
} from './metadata/records.js';

// Decisions of the active controller
export { accept, reject, type Accepted, type Decision, type Rejected } from './decisions/decision.js';
export {
  DEFAULT_TOPIC_CREATION_POLICY,
  createTopic,
  createTopics,
  type CreatedTopic,
  type TopicCreationContext,
  type TopicCreationOutcome,
  type TopicCreationPolicy,
  type TopicCreationRequest,
} from './decisions/create-topics.js';
export { deleteTopic, type DeletedTopic, type TopicReference } from './decisions/delete-topics.js';
export { createPartitions, type AddedPartitions, type PartitionAdditionRequest } from './decisions/create-partitions.js';
export type { ManualAssignment } from './decisions/partition-assignment.js';
export {
  alterConfigs,
  incrementalAlterConfigs,
  type ConfigOperation,
  type ConfigResourceRequest,
} from './decisions/alter-configs.js';
export {
  TOPIC_CONFIG_DEFINITIONS,
  TOPIC_CONFIG_KEYS,
  checkConfigValue,
  type ConfigValueType,
  type TopicConfigDefinition,
} from './decisions/topic-configs.js';
export { TOPIC_NAME_LENGTH_MAX, checkTopicName, collidingTopic } from './decisions/topic-name.js';
export { placeReplicas, type BrokerLoad, type PlacementBroker } from './decisions/replica-placement.js';
export {
  BROKER_ID_MAX,
  BROKER_LISTENERS_MAX,
  registerBroker,
  unregisterBroker,
  type BrokerRegistrationRequest,
  type RegistrationContext,
} from './decisions/broker-registration.js';
export {
  brokerHeartbeat,
  type BrokerHeartbeatRequest,
  type HeartbeatContext,
  type HeartbeatReply,
} from './decisions/broker-heartbeat.js';
export { expireBrokerSession } from './decisions/broker-session.js';
export { alterPartition, type AlterPartitionRequest, type AlteredPartition } from './decisions/alter-partition.js';
export { PRODUCER_ID_BLOCK_SIZE, allocateProducerIds, type ProducerIdBlock } from './decisions/producer-ids.js';

// The controller node (Raft voter + Controller service) and a client for the active controller
export { ControllerNode, DEFAULT_BROKER_SESSION_TIMEOUT_MS, type ControllerNodeConfig, type HostPort } from './node/controller-node.js';
export { ControllerClient, type ControllerClientOptions, type UnaryMethod } from './client/controller-client.js';
export { MetadataStateMachine, encodeRecords, type CommittedBatch } from './node/metadata-state-machine.js';
export { MetadataFollower, type MetadataFollowerOptions } from './client/metadata-follower.js';
export { DEFAULT_METADATA_FETCH_TIMEOUT_MS } from './client/stream-watch.js';
export { DEFAULT_METADATA_MAX_IDLE_INTERVAL_MS } from './node/metadata-log-reader.js';
export { checkNodeIdentity } from './node/node-identity.js';
export { LevelRaftStorage } from './raft-storage/level-raft-storage.js';
