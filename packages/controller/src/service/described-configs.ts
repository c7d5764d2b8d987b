import {
  BROKER_CONFIG_DEFINITIONS,
  TOPIC_CONFIG_DEFINITIONS,
  configEntries,
  effectiveBrokerConfig,
  type ConfigResourceKind,
  type MetadataState,
} from '@quill/metadata';

export type DescribedConfigSource = 'CONFIG_SOURCE_TOPIC' | 'CONFIG_SOURCE_DYNAMIC_BROKER' | 'CONFIG_SOURCE_DYNAMIC_CLUSTER' | 'CONFIG_SOURCE_DEFAULT';

export interface DescribedConfig {
  name: string;
  value: string;
  source: DescribedConfigSource;
}

const DYNAMIC_SOURCE = { topic: 'CONFIG_SOURCE_TOPIC', broker: 'CONFIG_SOURCE_DYNAMIC_BROKER', cluster: 'CONFIG_SOURCE_DYNAMIC_CLUSTER' } as const;
const BROKER_CONFIG_SOURCE = { broker: 'CONFIG_SOURCE_DYNAMIC_BROKER', cluster: 'CONFIG_SOURCE_DYNAMIC_CLUSTER', default: 'CONFIG_SOURCE_DEFAULT' } as const;

/**
 * The configs DescribeConfigs shows for a resource, sorted by name. A topic shows every known key
 * with the value that applies to it (its own, else the cluster-wide default, else the built-in
 * default), as Kafka does. A broker shows every broker-only key the same way (its own value, else
 * the cluster's, else the built-in default) and its other dynamic entries; the cluster shows its
 * dynamic entries only.
 */
export function describedConfigs(state: MetadataState, kind: ConfigResourceKind, name: string): DescribedConfig[] {
  const own = configEntries(state, { kind, name });
  const described = new Map<string, DescribedConfig>();
  if (kind === 'topic') {
    const cluster = configEntries(state, { kind: 'cluster', name: '' });
    for (const [key, definition] of Object.entries(TOPIC_CONFIG_DEFINITIONS)) {
      const clusterValue = cluster.get(key);
      described.set(
        key,
        clusterValue === undefined
          ? { name: key, value: definition.defaultValue, source: 'CONFIG_SOURCE_DEFAULT' }
          : { name: key, value: clusterValue, source: 'CONFIG_SOURCE_DYNAMIC_CLUSTER' },
      );
    }
  }
  if (kind === 'broker') {
    for (const key of Object.keys(BROKER_CONFIG_DEFINITIONS)) {
      const { value, source } = effectiveBrokerConfig(state, Number(name), key);
      described.set(key, { name: key, value, source: BROKER_CONFIG_SOURCE[source] });
    }
  }
  for (const [key, value] of own) described.set(key, { name: key, value, source: DYNAMIC_SOURCE[kind] });
  return [...described.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
