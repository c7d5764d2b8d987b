import { describe, expect, it } from 'vitest';
import { EMPTY_METADATA_STATE, configResourceKey, type MetadataState } from '../state/state.js';
import {
  checkBrokerConfigValues,
  effectiveBrokerConfig,
  followerReplicationThrottledRate,
  refuseBrokerKeysOnTopic,
} from './broker-configs.js';

const RATE = 'follower.replication.throttled.rate';

function withConfigs(entries: Array<[kind: 'broker' | 'cluster', name: string, configs: Record<string, string>]>): MetadataState {
  return { ...EMPTY_METADATA_STATE, configs: new Map(entries.map(([kind, name, configs]) => [configResourceKey({ kind, name }), new Map(Object.entries(configs))])) };
}

const check = (configs: Record<string, string>) => checkBrokerConfigValues(new Map(Object.entries(configs)));

describe('broker configs', () => {
  it('accepts the throttle rate as a positive number of bytes/s or -1, and topic keys as topic defaults', () => {
    expect(check({ [RATE]: '1000000', 'retention.ms': '5' })).toBeUndefined();
    expect(check({ [RATE]: '-1' })).toBeUndefined();
  });

  it.each([
    ['0', 'would stop the traffic'],
    ['-2', 'at least -1'],
    ['1.5', 'expected an integer'],
    ['fast', 'expected an integer'],
    ['99999999999999999999', 'out of range'],
  ])('refuses the throttle rate %s', (value, why) => {
    const refusal = check({ [RATE]: value });
    expect(refusal?.code).toBe('INVALID_CONFIG');
    expect(refusal?.message).toContain(why);
  });

  it('refuses unknown keys and broker-only keys on a topic', () => {
    expect(check({ 'no.such.key': '1' })?.code).toBe('INVALID_CONFIG');
    const refusal = refuseBrokerKeysOnTopic(new Map([[RATE, '100']]));
    expect(refusal?.code).toBe('INVALID_CONFIG');
    expect(refusal?.message).toContain('is a broker config');
    expect(refuseBrokerKeysOnTopic(new Map([['retention.ms', '100']]))).toBeUndefined();
  });

  it("applies the broker's own value, else the cluster default, else no limit", () => {
    const state = withConfigs([
      ['broker', '4', { [RATE]: '1000' }],
      ['cluster', '', { [RATE]: '5000' }],
    ]);
    expect(effectiveBrokerConfig(state, 4, RATE)).toEqual({ value: '1000', source: 'broker' });
    expect(effectiveBrokerConfig(state, 5, RATE)).toEqual({ value: '5000', source: 'cluster' });
    expect(followerReplicationThrottledRate(state, 4)).toBe(1000);
    expect(followerReplicationThrottledRate(state, 5)).toBe(5000);
    expect(effectiveBrokerConfig(EMPTY_METADATA_STATE, 4, RATE)).toEqual({ value: '-1', source: 'default' });
    expect(followerReplicationThrottledRate(EMPTY_METADATA_STATE, 4)).toBeUndefined();
    expect(followerReplicationThrottledRate(withConfigs([['broker', '4', { [RATE]: '-1' }], ['cluster', '', { [RATE]: '5000' }]]), 4)).toBeUndefined();
  });
});
