export { Consumer } from './consumer.js';
export { Fetcher, type FetchIsolationLevel, type FetchedPartition, type FetcherOptions } from './fetcher.js';
export { SubscriptionState, parseOffsetSpec, type PartitionState } from './subscription-state.js';
export {
  ConsumerEventNames,
  type AutoOffsetReset,
  type Batch,
  type ConsumedMessage,
  type ConsumerEvents,
  type ConsumerOptions,
  type ConsumerRunConfig,
  type ConsumerSubscribeTopics,
  type EachBatchHandler,
  type EachBatchPayload,
  type EachMessageHandler,
  type EachMessagePayload,
  type OffsetSpec,
  type ReceivedHeaders,
  type ReceivedMessage,
  type TopicPartition,
  type TopicPartitionOffset,
  type TopicPartitionOffsetCommit,
} from './types.js';
