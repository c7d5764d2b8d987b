// @quill/client: the Quill SDK. Producer, Consumer and Admin shaped like KafkaJS, over gRPC.
export { Quill, type QuillConfig } from './quill.js';
export { LogLevel } from './logger.js';
export { QuillStateError } from './errors.js';
export { ErrorCode, QuillError, errorInfo, isRetriable, type ErrorInfo } from '@quill/proto';

export {
  CompressionTypes,
  IDEMPOTENT_MAX_IN_FLIGHT,
  Partitioners,
  Producer,
  createDefaultPartitioner,
  murmur2,
  partitionForKey,
  toPositive,
  type Acks,
  type CompressionType,
  type Message,
  type MessageHeaderValue,
  type MessageHeaders,
  type Partitioner,
  type PartitionerArgs,
  type PartitionerFactory,
  type ProducerBatch,
  type ProducerOptions,
  type ProducerRecord,
  type RecordMetadata,
  type SendOptions,
  type TopicMessages,
} from './producer/index.js';

export {
  Consumer,
  ConsumerEventNames,
  type AutoOffsetReset,
  type Batch,
  type ConsumerSubscribeTopics,
  type EachBatchHandler,
  type EachBatchPayload,
  type TopicPartitionOffsetCommit,
  type ConsumedMessage,
  type ConsumerEvents,
  type ConsumerOptions,
  type ConsumerRunConfig,
  type EachMessageHandler,
  type EachMessagePayload,
  type OffsetSpec,
  type ReceivedHeaders,
  type ReceivedMessage,
  type TopicPartition,
  type TopicPartitionOffset,
} from './consumer/index.js';

export {
  PartitionAssigners,
  cooperativeStickyAssignor,
  decodeAssignment,
  decodeSubscription,
  rangeAssignor,
  roundRobinAssignor,
  type AssignmentInput,
  type AssignorMember,
  type GroupAssignment,
  type MemberAssignment,
  type PartitionAssignor,
  type Subscription,
} from './group/index.js';

export {
  Admin,
  ConfigResourceTypes,
  type AdminOptions,
  type AlterConfigOperation,
  type AlterConfigsOptions,
  type ConfigEntryDescription,
  type ConfigResourceType,
  type ConfigSourceName,
  type CreatePartitionsOptions,
  type DescribeConfigsOptions,
  type DescribeConfigsResult,
  type IncrementalAlterConfigsOptions,
  type BrokerState,
  type ClusterDescription,
  type QuorumDescription,
  type QuorumReplica,
  type CreateTopicsOptions,
  type DeleteTopicsOptions,
  type ElectLeadersOptions,
  type ElectionResult,
  type FetchOffsetsOptions,
  type GroupDescription,
  type GroupMemberDescription,
  type GroupOverview,
  type GroupPartitionOffset,
  type PartitionOffsets,
  type ResetOffsetsOptions,
  type SetOffsetsOptions,
  type TopicConfig,
  type TopicDescription,
  type DeletedRecords,
  type DeleteTopicRecordsOptions,
  type PartitionOffset,
} from './admin/index.js';

export type { BrokerMetadata, PartitionMetadata, TopicMetadata } from './cluster/index.js';
export { DEFAULT_RETRY, type RetryOptions } from './retry/index.js';
export { SeededRandom, type Random } from '@quill/random';
