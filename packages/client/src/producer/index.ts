export { murmur2, partitionForKey, toPositive } from './murmur2.js';
export { Partitioners, createDefaultPartitioner } from './partitioner.js';
export { Producer } from './producer.js';
export { sendMessages, validateSendRequest, type SendRequest } from './send-messages.js';
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
