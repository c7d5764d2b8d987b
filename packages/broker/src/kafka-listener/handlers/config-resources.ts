import type { ConfigResourceType__Output, ConfigSource__Output } from '@quill/proto';
import { brokerError } from '../../errors.js';

/** Kafka's ConfigResource.Type numbers. */
const KAFKA_RESOURCE_TOPIC = 2;
const KAFKA_RESOURCE_BROKER = 4;

/** Quill's resource type for a Kafka config resource: a broker named "" is the cluster-wide default. */
export function quillResourceType(kafkaType: number, name: string): ConfigResourceType__Output {
  if (kafkaType === KAFKA_RESOURCE_TOPIC) return 'CONFIG_RESOURCE_TYPE_TOPIC';
  if (kafkaType === KAFKA_RESOURCE_BROKER) return name === '' ? 'CONFIG_RESOURCE_TYPE_CLUSTER' : 'CONFIG_RESOURCE_TYPE_BROKER';
  throw brokerError('INVALID_REQUEST', `Config resource type ${kafkaType} is not supported (only topics (2) and brokers (4)).`);
}

/** Kafka's DescribeConfigs config source numbers, which Quill's ConfigSource values follow. */
const KAFKA_CONFIG_SOURCES: Record<ConfigSource__Output, number> = {
  CONFIG_SOURCE_UNSPECIFIED: 0,
  CONFIG_SOURCE_TOPIC: 1,
  CONFIG_SOURCE_DYNAMIC_BROKER: 2,
  CONFIG_SOURCE_DYNAMIC_CLUSTER: 3,
  CONFIG_SOURCE_STATIC_BROKER: 4,
  CONFIG_SOURCE_DEFAULT: 5,
};

export const KAFKA_CONFIG_SOURCE_DEFAULT = KAFKA_CONFIG_SOURCES.CONFIG_SOURCE_DEFAULT;

export function kafkaConfigSource(source: ConfigSource__Output): number {
  return KAFKA_CONFIG_SOURCES[source] ?? 0;
}

/** The key a resource is matched by between a Kafka request and the controller's answer. */
export const resourceKey = (type: string, name: string): string => `${type}/${name}`;
