// The broker-only configs: set on a broker (for that broker) or on the cluster resource (the
// default for every broker), never on a topic. Names and meanings follow Kafka's. A broker or the
// cluster also takes every topic config, as the default for topics.
import { ErrorCode, QuillError } from '@quill/proto';
import { configEntries } from '../state/queries.js';
import type { MetadataState } from '../state/state.js';
import { checkConfigValue, checkDefinedValue, invalidConfigValue, type TopicConfigDefinition } from './topic-configs.js';

/** The value of a throttle rate that means no throttle (Kafka's default is Long.MAX_VALUE). */
export const UNLIMITED_RATE = -1;

export const BROKER_CONFIG_DEFINITIONS: Readonly<Record<string, TopicConfigDefinition>> = Object.freeze({
  'follower.replication.throttled.rate': {
    type: 'long',
    defaultValue: String(UNLIMITED_RATE),
    min: UNLIMITED_RATE,
    doc: 'bytes/s a broker fetches, in all, for the replicas moving onto it in a partition reassignment; -1 no limit',
  },
} satisfies Record<string, TopicConfigDefinition>);

/** Keys whose value is a rate, where 0 would stop the traffic it limits for good. */
const RATE_KEYS: ReadonlySet<string> = new Set(['follower.replication.throttled.rate']);

function checkBrokerConfigValue(key: string, value: string): QuillError | undefined {
  const definition = BROKER_CONFIG_DEFINITIONS[key];
  if (definition === undefined) return checkConfigValue(key, value);
  const refusal = checkDefinedValue(key, value, definition);
  if (refusal !== undefined) return refusal;
  if (RATE_KEYS.has(key) && Number(value) === 0) {
    return invalidConfigValue(key, value, `a rate of 0 would stop the traffic for good; use ${UNLIMITED_RATE} (or delete the config) for no limit`);
  }
  return undefined;
}

/** Checks a broker's or the cluster's configs: broker-only keys, and topic keys (defaults for topics). */
export function checkBrokerConfigValues(configs: ReadonlyMap<string, string>): QuillError | undefined {
  for (const key of [...configs.keys()].sort()) {
    const refusal = checkBrokerConfigValue(key, configs.get(key)!);
    if (refusal !== undefined) return refusal;
  }
  return undefined;
}

/** An INVALID_CONFIG error when a topic's configs hold a broker-only key. */
export function refuseBrokerKeysOnTopic(configs: ReadonlyMap<string, string>): QuillError | undefined {
  const key = [...configs.keys()].sort().find((k) => BROKER_CONFIG_DEFINITIONS[k] !== undefined);
  if (key === undefined) return undefined;
  return new QuillError(ErrorCode.INVALID_CONFIG, `Configuration ${key} is a broker config: set it on a broker or on the cluster, not on a topic.`);
}

/** Where the value of a broker config comes from: the broker's own entry, the cluster default, or the built-in default. */
export type BrokerConfigSource = 'broker' | 'cluster' | 'default';

/** The value of a broker-only config as it applies to `brokerId`, and its source. */
export function effectiveBrokerConfig(state: MetadataState, brokerId: number, key: string): { value: string; source: BrokerConfigSource } {
  const own = configEntries(state, { kind: 'broker', name: String(brokerId) }).get(key);
  if (own !== undefined) return { value: own, source: 'broker' };
  const cluster = configEntries(state, { kind: 'cluster', name: '' }).get(key);
  if (cluster !== undefined) return { value: cluster, source: 'cluster' };
  const definition = BROKER_CONFIG_DEFINITIONS[key];
  if (definition === undefined) throw new QuillError(ErrorCode.INVALID_CONFIG, `Unknown broker configuration ${key}.`);
  return { value: definition.defaultValue, source: 'default' };
}

/** The bytes/s `brokerId` may fetch for the replicas moving onto it; undefined for no limit. */
export function followerReplicationThrottledRate(state: MetadataState, brokerId: number): number | undefined {
  const rate = Number(effectiveBrokerConfig(state, brokerId, 'follower.replication.throttled.rate').value);
  return rate > 0 ? rate : undefined;
}
