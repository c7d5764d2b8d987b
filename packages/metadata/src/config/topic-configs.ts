// The topic configs Quill knows, with their types, bounds and defaults. Names and meanings
// follow Kafka's topic configs; the defaults match @quill/storage's DEFAULT_LOG_CONFIG, and
// flush.policy / flush.interval.ms expose storage's flush policies per topic. The same keys
// may be set on a broker or the cluster resource, where they act as defaults for topics.
import { ErrorCode, QuillError } from '@quill/proto';

export type ConfigValueType = 'int' | 'long' | 'double' | 'boolean' | 'enum' | 'list';

export interface TopicConfigDefinition {
  readonly type: ConfigValueType;
  /** Built-in default, as text. */
  readonly defaultValue: string;
  /** Inclusive bounds for numbers. */
  readonly min?: number;
  readonly max?: number;
  /** Allowed values of an enum, or of each item of a list. */
  readonly values?: readonly string[];
  readonly doc: string;
}

const INT_MAX = 2 ** 31 - 1;
const DAY_MS = 24 * 60 * 60 * 1000;

export const TOPIC_CONFIG_DEFINITIONS: Readonly<Record<string, TopicConfigDefinition>> = Object.freeze({
  'cleanup.policy': {
    type: 'list',
    defaultValue: 'delete',
    values: ['delete', 'compact'],
    doc: 'delete old segments by retention, compact to the latest value per key, or both',
  },
  'compression.type': {
    type: 'enum',
    defaultValue: 'producer',
    values: ['uncompressed', 'gzip', 'snappy', 'lz4', 'zstd', 'producer'],
    doc: 'compression the broker stores batches with; producer keeps the producer\'s choice',
  },
  'delete.retention.ms': { type: 'long', defaultValue: String(DAY_MS), min: 0, doc: 'how long compaction keeps tombstones' },
  'flush.interval.ms': { type: 'long', defaultValue: '0', min: 0, doc: 'group-commit only: how long a flush waits to collect appends' },
  'flush.policy': {
    type: 'enum',
    defaultValue: 'group-commit',
    values: ['every-batch', 'group-commit', 'os'],
    doc: 'when appends are fsynced (see docs/DESIGN.md "Flush policies")',
  },
  'index.interval.bytes': { type: 'int', defaultValue: '4096', min: 1, max: INT_MAX, doc: 'bytes of log between two index entries' },
  'max.message.bytes': { type: 'int', defaultValue: String(1024 * 1024 + 12), min: 0, max: INT_MAX, doc: 'largest record batch accepted' },
  'message.timestamp.type': {
    type: 'enum',
    defaultValue: 'CreateTime',
    values: ['CreateTime', 'LogAppendTime'],
    doc: 'whether record timestamps are the producer\'s or the broker\'s append time',
  },
  'min.cleanable.dirty.ratio': { type: 'double', defaultValue: '0.5', min: 0, max: 1, doc: 'share of uncleaned log that triggers compaction' },
  'min.insync.replicas': {
    type: 'int',
    defaultValue: '1',
    min: 1,
    max: INT_MAX,
    doc: 'acks=all produces fail with NOT_ENOUGH_REPLICAS below this ISR size (at most the replication factor)',
  },
  'retention.bytes': { type: 'long', defaultValue: '-1', min: -1, doc: 'delete oldest segments while the partition is larger; -1 no limit' },
  'retention.ms': { type: 'long', defaultValue: String(7 * DAY_MS), min: -1, doc: 'delete segments older than this; -1 keeps forever' },
  'segment.bytes': { type: 'int', defaultValue: String(1024 * 1024 * 1024), min: 1024, max: INT_MAX, doc: 'roll a segment at this size' },
  'segment.ms': { type: 'long', defaultValue: String(7 * DAY_MS), min: 1, doc: 'roll a segment once its first batch is this old' },
  'unclean.leader.election.enable': {
    type: 'boolean',
    defaultValue: 'false',
    doc: 'let an out-of-sync replica lead when no in-sync one is alive (may lose acknowledged data)',
  },
} satisfies Record<string, TopicConfigDefinition>);

const INTEGER = /^-?\d+$/;
const DECIMAL = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** An INVALID_CONFIG error for `value` of `key`, saying why. */
export function invalidConfigValue(key: string, value: string, why: string): QuillError {
  return new QuillError(ErrorCode.INVALID_CONFIG, `Invalid value "${value}" for configuration ${key}: ${why}.`);
}

function checkNumber(key: string, value: string, definition: TopicConfigDefinition, parsed: number): QuillError | undefined {
  if (definition.min !== undefined && parsed < definition.min) return invalidConfigValue(key, value, `must be at least ${definition.min}`);
  if (definition.max !== undefined && parsed > definition.max) return invalidConfigValue(key, value, `must be at most ${definition.max}`);
  return undefined;
}

/** Items of a list value: comma separated, surrounding spaces ignored. */
export function listItems(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** Undefined when `value` is valid for `key`; otherwise an INVALID_CONFIG error. */
export function checkConfigValue(key: string, value: string): QuillError | undefined {
  const definition = TOPIC_CONFIG_DEFINITIONS[key];
  if (definition === undefined) return new QuillError(ErrorCode.INVALID_CONFIG, `Unknown topic configuration ${key}.`);
  return checkDefinedValue(key, value, definition);
}

/** Undefined when `value` has the type and bounds of `definition`; otherwise an INVALID_CONFIG error. */
export function checkDefinedValue(key: string, value: string, definition: TopicConfigDefinition): QuillError | undefined {
  switch (definition.type) {
    case 'int':
    case 'long': {
      if (!INTEGER.test(value)) return invalidConfigValue(key, value, 'expected an integer');
      const parsed = Number(value);
      // Longs are JavaScript numbers here: past 2^53 they would silently lose precision.
      if (!Number.isSafeInteger(parsed)) return invalidConfigValue(key, value, 'out of range');
      return checkNumber(key, value, definition, parsed);
    }
    case 'double': {
      if (!DECIMAL.test(value)) return invalidConfigValue(key, value, 'expected a number');
      return checkNumber(key, value, definition, Number(value));
    }
    case 'boolean':
      return value === 'true' || value === 'false' ? undefined : invalidConfigValue(key, value, 'expected true or false');
    case 'enum':
      return definition.values!.includes(value) ? undefined : invalidConfigValue(key, value, `expected one of ${definition.values!.join(', ')}`);
    case 'list': {
      const items = listItems(value);
      if (items.length === 0) return invalidConfigValue(key, value, 'expected at least one item');
      const unknown = items.find((item) => !definition.values!.includes(item));
      if (unknown !== undefined) return invalidConfigValue(key, value, `"${unknown}" is not one of ${definition.values!.join(', ')}`);
      if (new Set(items).size !== items.length) return invalidConfigValue(key, value, 'an item is repeated');
      return undefined;
    }
  }
}

/** Checks every entry: key known and value well-typed. Broker and cluster configs need no more. */
export function checkConfigValues(configs: ReadonlyMap<string, string>): QuillError | undefined {
  for (const key of [...configs.keys()].sort()) {
    const refusal = checkConfigValue(key, configs.get(key)!);
    if (refusal !== undefined) return refusal;
  }
  return undefined;
}

/**
 * Checks a topic's complete set of dynamic configs: the entries, and min.insync.replicas no
 * larger than the replication factor (or no acks=all write could ever succeed).
 */
export function checkTopicConfigs(configs: ReadonlyMap<string, string>, replicationFactor: number): QuillError | undefined {
  const refusal = checkConfigValues(configs);
  if (refusal !== undefined) return refusal;
  const minInsyncReplicas = configs.get('min.insync.replicas');
  if (minInsyncReplicas !== undefined && Number(minInsyncReplicas) > replicationFactor) {
    return invalidConfigValue(
      'min.insync.replicas',
      minInsyncReplicas,
      `must not exceed the replication factor ${replicationFactor}, or acks=all produces could never succeed`,
    );
  }
  return undefined;
}
