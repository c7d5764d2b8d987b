// AlterConfigs (replace a resource's whole dynamic config) and IncrementalAlterConfigs (per-key
// SET / DELETE / APPEND / SUBTRACT). Either way the result is validated as a whole and written
// as one ConfigRecord per key that changes.
import { AlterConfigOp, ErrorCode, type AlterConfigOp__Output, type ConfigResourceType__Output } from '@quill/proto';
import {
  type ConfigResource,
  type MetadataRecord,
  type MetadataState,
  TOPIC_CONFIG_DEFINITIONS,
  checkBrokerConfigValues,
  checkTopicConfigs,
  configEntries,
  configRecord,
  configResourceKind,
  listItems,
  refuseBrokerKeysOnTopic,
  topicByName,
} from '@quill/metadata';
import { accept, refuse, reject, type Decision, type Rejected } from './decision.js';

export interface ConfigResourceRequest {
  readonly resourceType: ConfigResourceType__Output;
  /** Topic name, broker id in decimal, or "" for the cluster. */
  readonly resourceName: string;
}

export interface ConfigOperation {
  readonly name: string;
  readonly op: AlterConfigOp__Output;
  /** Required for SET, APPEND and SUBTRACT. */
  readonly value?: string | undefined;
}

const BROKER_ID = /^\d{1,10}$/;

function resolveResource(state: MetadataState, request: ConfigResourceRequest): ConfigResource | Rejected {
  const kind = configResourceKind(request.resourceType);
  switch (kind) {
    case undefined:
      return reject(ErrorCode.INVALID_REQUEST, `Unsupported config resource type ${String(request.resourceType)}.`);
    case 'topic':
      if (topicByName(state, request.resourceName) === undefined) {
        return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${request.resourceName}' does not exist.`);
      }
      break;
    case 'broker':
      if (!BROKER_ID.test(request.resourceName)) {
        return reject(ErrorCode.INVALID_REQUEST, `Broker config resource name '${request.resourceName}' is not a broker id.`);
      }
      break;
    case 'cluster':
      if (request.resourceName !== '') return reject(ErrorCode.INVALID_REQUEST, 'The cluster config resource is named "".');
      break;
  }
  return { kind, name: request.resourceName };
}

/** Validates the complete new config and writes the keys that differ from the current one. */
function replaceConfigs(state: MetadataState, resource: ConfigResource, wanted: ReadonlyMap<string, string>): Decision<void> {
  const topic = resource.kind === 'topic' ? topicByName(state, resource.name) : undefined;
  const invalid =
    topic === undefined
      ? checkBrokerConfigValues(wanted)
      : (refuseBrokerKeysOnTopic(wanted) ?? checkTopicConfigs(wanted, topic.partitions.get(0)!.replicas.length));
  if (invalid !== undefined) return refuse(invalid);
  const current = configEntries(state, resource);
  const records: MetadataRecord[] = [];
  for (const key of [...new Set([...current.keys(), ...wanted.keys()])].sort()) {
    const value = wanted.get(key);
    if (value !== current.get(key)) records.push(configRecord(resource.kind, resource.name, key, value));
  }
  return accept(records, undefined);
}

export function alterConfigs(state: MetadataState, request: ConfigResourceRequest, configs: Readonly<Record<string, string>>): Decision<void> {
  const resource = resolveResource(state, request);
  if ('ok' in resource) return resource;
  return replaceConfigs(state, resource, new Map(Object.entries(configs)));
}

function applyOperation(wanted: Map<string, string>, operation: ConfigOperation): Rejected | undefined {
  const { name, op, value } = operation;
  if (op === AlterConfigOp.ALTER_CONFIG_OP_DELETE) {
    wanted.delete(name);
    return undefined;
  }
  if (value === undefined) return reject(ErrorCode.INVALID_REQUEST, `Config ${name}: ${op} needs a value.`);
  if (op === AlterConfigOp.ALTER_CONFIG_OP_SET) {
    wanted.set(name, value);
    return undefined;
  }
  if (op !== AlterConfigOp.ALTER_CONFIG_OP_APPEND && op !== AlterConfigOp.ALTER_CONFIG_OP_SUBTRACT) {
    return reject(ErrorCode.INVALID_REQUEST, `Config ${name}: unsupported operation ${String(op)}.`);
  }
  const definition = TOPIC_CONFIG_DEFINITIONS[name];
  if (definition?.type !== 'list') return reject(ErrorCode.INVALID_CONFIG, `Config ${name} is not a list, so it cannot be appended to or subtracted from.`);
  // As in Kafka, an unset list starts from its default.
  const items = listItems(wanted.get(name) ?? definition.defaultValue);
  const operands = listItems(value);
  const result =
    op === AlterConfigOp.ALTER_CONFIG_OP_APPEND
      ? [...items, ...operands.filter((item, i) => !items.includes(item) && operands.indexOf(item) === i)]
      : items.filter((item) => !operands.includes(item));
  wanted.set(name, result.join(','));
  return undefined;
}

export function incrementalAlterConfigs(
  state: MetadataState,
  request: ConfigResourceRequest,
  operations: readonly ConfigOperation[],
): Decision<void> {
  const resource = resolveResource(state, request);
  if ('ok' in resource) return resource;
  const names = operations.map((o) => o.name);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) return reject(ErrorCode.INVALID_REQUEST, `Config ${repeated} appears more than once in the request.`);
  const wanted = new Map(configEntries(state, resource));
  for (const operation of operations) {
    const refusal = applyOperation(wanted, operation);
    if (refusal !== undefined) return refusal;
  }
  return replaceConfigs(state, resource, wanted);
}
