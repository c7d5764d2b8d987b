import { TOPIC_CONFIG_DEFINITIONS, type TopicConfigDefinition } from '@quill/metadata';
import { describe, expect, it } from 'vitest';
import { logConfigFor } from '../log-manager/log-manager.js';
import { batchRewriteFor } from './batch-rewrite.js';

// Every topic config the metadata accepts must change what the cluster does: a key that is
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
