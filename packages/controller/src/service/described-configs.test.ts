import { EMPTY_METADATA_STATE, TOPIC_CONFIG_DEFINITIONS, configResourceKey, type MetadataState } from '@quill/metadata';
import { describe, expect, it } from 'vitest';
import { describedConfigs } from './described-configs.js';

function withConfigs(entries: Array<[kind: 'topic' | 'broker' | 'cluster', name: string, configs: Record<string, string>]>): MetadataState {
  return { ...EMPTY_METADATA_STATE, configs: new Map(entries.map(([kind, name, configs]) => [configResourceKey({ kind, name }), new Map(Object.entries(configs))])) };
}

describe('describedConfigs', () => {
  it("shows every topic key with the value that applies: the topic's own, the cluster default, the built-in default", () => {
    const state = withConfigs([
      ['topic', 'orders', { 'retention.ms': '60000' }],
      ['cluster', '', { 'retention.ms': '1000', 'segment.ms': '5000' }],
    ]);
    const described = describedConfigs(state, 'topic', 'orders');
    expect(described.map((c) => c.name)).toEqual(Object.keys(TOPIC_CONFIG_DEFINITIONS).sort());
    const byName = new Map(described.map((c) => [c.name, c]));
    expect(byName.get('retention.ms')).toEqual({ name: 'retention.ms', value: '60000', source: 'CONFIG_SOURCE_TOPIC' });
    expect(byName.get('segment.ms')).toEqual({ name: 'segment.ms', value: '5000', source: 'CONFIG_SOURCE_DYNAMIC_CLUSTER' });
    expect(byName.get('cleanup.policy')).toEqual({ name: 'cleanup.policy', value: 'delete', source: 'CONFIG_SOURCE_DEFAULT' });
  });

  it("shows a broker's broker-only keys with their source and its dynamic entries; the cluster's dynamic entries only", () => {
    const state = withConfigs([['broker', '2', { 'retention.ms': '7' }]]);
    expect(describedConfigs(state, 'broker', '2')).toEqual([
      { name: 'follower.replication.throttled.rate', value: '-1', source: 'CONFIG_SOURCE_DEFAULT' },
      { name: 'retention.ms', value: '7', source: 'CONFIG_SOURCE_DYNAMIC_BROKER' },
    ]);
    expect(describedConfigs(state, 'cluster', '')).toEqual([]);
  });

  it('shows the throttle rate of a broker from the broker, else from the cluster', () => {
    const rate = 'follower.replication.throttled.rate';
    const state = withConfigs([
      ['broker', '4', { [rate]: '1000000' }],
      ['cluster', '', { [rate]: '5000' }],
    ]);
    expect(describedConfigs(state, 'broker', '4')).toEqual([{ name: rate, value: '1000000', source: 'CONFIG_SOURCE_DYNAMIC_BROKER' }]);
    expect(describedConfigs(state, 'broker', '5')).toEqual([{ name: rate, value: '5000', source: 'CONFIG_SOURCE_DYNAMIC_CLUSTER' }]);
    expect(describedConfigs(state, 'cluster', '')).toEqual([{ name: rate, value: '5000', source: 'CONFIG_SOURCE_DYNAMIC_CLUSTER' }]);
  });
});
