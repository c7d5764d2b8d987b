export { murmur2, partitionForKey, toPositive } from '@quill/records';
export { Partitioners, createDefaultPartitioner } from './partitioner.js';
export { DEFAULT_PRODUCER_SETTINGS, IDEMPOTENT_MAX_IN_FLIGHT, Producer, type ProducerSettings } from './producer.js';
export {
  CompressionTypes,
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
} from './types.js';
