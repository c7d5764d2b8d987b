import {
  BROKER_CONFIG_DEFINITIONS,
  EMPTY_METADATA_STATE,
  TOPIC_CONFIG_DEFINITIONS,
  applyRecords,
  checkBrokerConfigValues,
  configRecord,
  type TopicConfigDefinition,
} from '@quill/metadata';
import { describe, expect, it } from 'vitest';
import { logConfigFor } from '../log-manager/log-manager.js';
import { followerThrottleOf } from '../replication-throttle/follower-throttle.js';
import { batchRewriteFor } from './batch-rewrite.js';

// Every topic or broker config the metadata accepts must change what the cluster does: a key that is
// accepted but read by nothing would be silence where a user expects an effect.

/** Keys read outside a replica's log settings and append rewrite, and where. */
const READ_ELSEWHERE: Readonly<Record<string, string>> = {
  'min.insync.replicas': 'ReplicaManager.produce, on every acks=all produce',
  'unclean.leader.election.enable': "the controller's leader elections",
};

/** A valid value other than the default. */
function otherValue(definition: TopicConfigDefinition): string {
  switch (definition.type) {
    case 'int':
    case 'long':
      return String(Number(definition.defaultValue) + 1);
    case 'double':
      return String(Number(definition.defaultValue) / 2);
    case 'boolean':
      return definition.defaultValue === 'true' ? 'false' : 'true';
    case 'enum':
    case 'list':
      return definition.values!.find((v) => v !== definition.defaultValue)!;
  }
}

const effects = (configs: Record<string, string>): string => {
  const get = (key: string): string | undefined => configs[key];
  return JSON.stringify([logConfigFor(get, 'group-commit'), batchRewriteFor(get, 1)]);
};

describe('topic configs the metadata accepts', () => {
  it.each(Object.entries(TOPIC_CONFIG_DEFINITIONS).filter(([key]) => READ_ELSEWHERE[key] === undefined))('%s reaches the log or the leader\'s append', (key, definition) => {
    expect(effects({ [key]: otherValue(definition) })).not.toBe(effects({}));
  });
});

/** A valid value of a broker config other than its default. */
function otherBrokerValue(key: string, definition: TopicConfigDefinition): string {
  const candidates = [otherValue(definition), String(Number(definition.defaultValue) + 1000)];
  return candidates.find((value) => checkBrokerConfigValues(new Map([[key, value]])) === undefined)!;
}

const brokerEffects = (configs: Record<string, string>): string => {
  const state = applyRecords(
    EMPTY_METADATA_STATE,
    Object.entries(configs).map(([key, value]) => configRecord('broker', '1', key, value)),
    1,
  );
  const throttle = followerThrottleOf(state, 1);
  return JSON.stringify([throttle.rateBytesPerSec]);
};

describe('broker configs the metadata accepts', () => {
  it.each(Object.entries(BROKER_CONFIG_DEFINITIONS))("%s reaches the broker's follower throttle", (key, definition) => {
    expect(brokerEffects({ [key]: otherBrokerValue(key, definition) })).not.toBe(brokerEffects({}));
  });
});
