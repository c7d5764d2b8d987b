import { ErrorCode, QuillError, errorInfo, type AlterableConfig } from '@quill/proto';
import type { AlterConfigOperation, ConfigEntryDescription, ConfigSourceName } from './config-types.js';

const SOURCE_NAMES: Record<string, ConfigSourceName> = {
  CONFIG_SOURCE_TOPIC: 'topic',
  CONFIG_SOURCE_DYNAMIC_BROKER: 'dynamic-broker',
  CONFIG_SOURCE_DYNAMIC_CLUSTER: 'dynamic-cluster',
  CONFIG_SOURCE_STATIC_BROKER: 'static-broker',
  CONFIG_SOURCE_DEFAULT: 'default',
};

const OPS = {
  set: 'ALTER_CONFIG_OP_SET',
  delete: 'ALTER_CONFIG_OP_DELETE',
  append: 'ALTER_CONFIG_OP_APPEND',
  subtract: 'ALTER_CONFIG_OP_SUBTRACT',
} as const;

/** A config entry of a DescribeConfigs answer in the admin API's shape. */
export function configEntry(entry: { name: string; value?: string | null; source: string; readOnly: boolean; isSensitive: boolean }): ConfigEntryDescription {
  const configSource = SOURCE_NAMES[entry.source] ?? 'default';
  return {
    configName: entry.name,
    configValue: entry.value ?? null,
    configSource,
    isDefault: configSource === 'default',
    isSensitive: entry.isSensitive,
    readOnly: entry.readOnly,
  };
}

/** An incremental change as the wire's AlterableConfig; a set without a value is refused here. */
export function alterableConfig(change: AlterConfigOperation): AlterableConfig {
  const operation = change.operation ?? 'set';
  if (operation !== 'delete' && change.value === undefined) {
    throw new QuillError(ErrorCode.INVALID_CONFIG, `config "${change.name}": ${operation} needs a value`);
  }
  return operation === 'delete' ? { name: change.name, op: OPS.delete } : { name: change.name, op: OPS[operation], value: change.value! };
}

/**
 * The error of one resource's result, or undefined when it succeeded. `what` names the action
 * for the message ("cannot describe", ...).
 */
export function resultError(result: { resourceName: string; errorCode: string; errorMessage: string }, what: string): QuillError | undefined {
  const code = errorInfo(result.errorCode).name;
  if (code === ErrorCode.NONE) return undefined;
  return new QuillError(code, `${what} "${result.resourceName}": ${result.errorMessage || code}`);
}
