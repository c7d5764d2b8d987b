export { Cluster, type ClusterOptions, type PartitionLeader } from './cluster.js';
export {
  formatAddress,
  parseMetadataResponse,
  type BrokerMetadata,
  type ClusterMetadata,
  type PartitionMetadata,
  type TopicMetadata,
} from './metadata.js';
export {
  EARLIEST_TIMESTAMP,
  LATEST_TIMESTAMP,
  listOffsets,
  topicPartitionKey,
  type OffsetAnswer,
  type OffsetQuery,
} from './list-offsets.js';
