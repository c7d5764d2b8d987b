export { Admin } from './admin.js';
export type {
  AdminOptions,
  ClusterDescription,
  CreateTopicsOptions,
  DeleteTopicsOptions,
  PartitionOffsets,
  TopicConfig,
  TopicDescription,
} from './types.js';
