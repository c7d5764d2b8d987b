import { TOPIC_CONFIG_DEFINITIONS, configEntries, type ConfigResourceKind, type MetadataState } from '@quill/metadata';

export type DescribedConfigSource = 'CONFIG_SOURCE_TOPIC' | 'CONFIG_SOURCE_DYNAMIC_BROKER' | 'CONFIG_SOURCE_DYNAMIC_CLUSTER' | 'CONFIG_SOURCE_DEFAULT';

export interface DescribedConfig {
  name: string;
  value: string;
  source: DescribedConfigSource;
}

const DYNAMIC_SOURCE = { topic: 'CONFIG_SOURCE_TOPIC', broker: 'CONFIG_SOURCE_DYNAMIC_BROKER', cluster: 'CONFIG_SOURCE_DYNAMIC_CLUSTER' } as const;

/**
 * The configs DescribeConfigs shows for a resource, sorted by name. A topic shows every known key
 * with the value that applies to it (its own, else the cluster-wide default, else the built-in
 * default), as Kafka does; a broker or the cluster shows its dynamic entries only.
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
  for (const [key, value] of own) described.set(key, { name: key, value, source: DYNAMIC_SOURCE[kind] });
  return [...described.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
