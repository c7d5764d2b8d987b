/** The kinds of config resource, as KafkaJS's ConfigResourceTypes (values are the wire names). */
export const ConfigResourceTypes = {
  TOPIC: 'CONFIG_RESOURCE_TYPE_TOPIC',
  BROKER: 'CONFIG_RESOURCE_TYPE_BROKER',
  /** Cluster-wide defaults (name ""). */
  CLUSTER: 'CONFIG_RESOURCE_TYPE_CLUSTER',
} as const;

export type ConfigResourceType = (typeof ConfigResourceTypes)[keyof typeof ConfigResourceTypes];

/** Where a described config value comes from. */
export type ConfigSourceName = 'topic' | 'dynamic-broker' | 'dynamic-cluster' | 'static-broker' | 'default';

/** The argument of `admin.describeConfigs`. */
export interface DescribeConfigsOptions {
  /** `configNames` empty or left out: every key of the resource. */
  resources: Array<{ type: ConfigResourceType; name: string; configNames?: string[] }>;
}

/** One config of a described resource (KafkaJS's configEntries item). */
export interface ConfigEntryDescription {
  configName: string;
  /** Null when the value is sensitive or unset. */
  configValue: string | null;
  configSource: ConfigSourceName;
  /** True when the value is the built-in default. */
  isDefault: boolean;
  isSensitive: boolean;
  readOnly: boolean;
}

/** What `admin.describeConfigs` returns. */
export interface DescribeConfigsResult {
  resources: Array<{ resourceType: ConfigResourceType; resourceName: string; configEntries: ConfigEntryDescription[] }>;
}

/** The argument of `admin.alterConfigs`: each resource's complete new set of dynamic configs. */
export interface AlterConfigsOptions {
  validateOnly?: boolean;
  resources: Array<{ type: ConfigResourceType; name: string; configEntries: Array<{ name: string; value: string }> }>;
}

/** One per-key change of `admin.incrementalAlterConfigs`. */
export interface AlterConfigOperation {
  name: string;
  /** `set` (the default) needs a value; `delete` falls back to the default; `append`/`subtract` edit list values. */
  operation?: 'set' | 'delete' | 'append' | 'subtract';
  value?: string;
}

/** The argument of `admin.incrementalAlterConfigs`: per-key changes, other keys untouched. */
export interface IncrementalAlterConfigsOptions {
  validateOnly?: boolean;
  resources: Array<{ type: ConfigResourceType; name: string; configEntries: AlterConfigOperation[] }>;
}

/** The argument of `admin.createPartitions` (KafkaJS's shape). */
export interface CreatePartitionsOptions {
  /** `count` is the new total number of partitions; partitions can only be added. */
  topicPartitions: Array<{ topic: string; count: number; assignments?: number[][] }>;
  validateOnly?: boolean;
  /** In ms. Default 5000. */
  timeout?: number;
}
