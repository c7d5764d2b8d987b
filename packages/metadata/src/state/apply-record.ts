// The metadata state machine: a pure reducer over committed metadata records. Every node that
// applies the same records reaches the same state (invariant 4). A record that contradicts the
// state (a change to an unknown partition, a fence with a stale epoch, ...) can only come from
// a controller bug, so it throws MetadataInvariantError instead of being skipped: skipping
// would let nodes drift apart silently.
import type {
  BrokerShutdownRecord__Output,
  ConfigRecord__Output,
  FenceBrokerRecord__Output,
  PartitionChangeRecord__Output,
  PartitionRecord__Output,
  ProducerIdsRecord__Output,
  RegisterBrokerRecord__Output,
  AccessControlEntryRecord__Output,
  RemoveUserScramCredentialRecord__Output,
  TopicRecord__Output,
  UnfenceBrokerRecord__Output,
  UnregisterBrokerRecord__Output,
  UserScramCredentialRecord__Output,
} from '@quill/proto';
import { isScramMechanism, type ScramCredential, type ScramMechanism } from '@quill/security';
import { invalidAclBinding, type AclBinding } from '../acl/acl-binding.js';
import { configResourceKind, type MetadataRecord } from './records.js';
import {
  NO_LEADER,
  configResourceKey,
  type BrokerRegistration,
  type MetadataState,
  type PartitionMetadata,
  type PartitionReassignment,
  type TopicMetadata,
} from './state.js';

export class MetadataInvariantError extends Error {
  override readonly name = 'MetadataInvariantError';
}

/** Applies one committed record found at `offset` (records of one batch share its offset). */
export function applyRecord(state: MetadataState, record: MetadataRecord, offset: number): MetadataState {
  if (!Number.isSafeInteger(offset) || offset < state.offset) {
    throw new MetadataInvariantError(`record at offset ${offset} applied after offset ${state.offset}`);
  }
  const next = applyAt(state, record, offset);
  return next.offset === offset ? next : { ...next, offset };
}

/**
 * Maps created while applying the current batch: no earlier state refers to them, so the batch's
 * later records change them in place. Without this, each record of a batch copied its topic's
 * partition map, and a batch touching every partition of a 1,000-partition topic (its creation,
 * leaders elected when a broker is unfenced) cost a million entry copies on every node.
 */
let ownedByBatch: WeakSet<ReadonlyMap<unknown, unknown>> | undefined;

/** Applies the records of one batch (all at `offset`); the states in between are never exposed. */
export function applyRecords(state: MetadataState, records: readonly MetadataRecord[], offset: number): MetadataState {
  const outer = ownedByBatch;
  ownedByBatch = new WeakSet();
  try {
    let next = state;
    for (const record of records) next = applyRecord(next, record, offset);
    return next;
  } finally {
    ownedByBatch = outer;
  }
}

function applyAt(state: MetadataState, record: MetadataRecord, offset: number): MetadataState {
  switch (record.record) {
    case 'registerBroker':
      return registerBroker(state, present(record.registerBroker, record.record, offset), offset);
    case 'unregisterBroker':
      return unregisterBroker(state, present(record.unregisterBroker, record.record, offset), offset);
    case 'fenceBroker':
      return setFenced(state, present(record.fenceBroker, record.record, offset), true, offset);
    case 'unfenceBroker':
      return setFenced(state, present(record.unfenceBroker, record.record, offset), false, offset);
    case 'brokerShutdown':
      return startControlledShutdown(state, present(record.brokerShutdown, record.record, offset), offset);
    case 'topic':
      return addTopic(state, present(record.topic, record.record, offset), offset);
    case 'partition':
      return addPartition(state, present(record.partition, record.record, offset), offset);
    case 'partitionChange':
      return changePartition(state, present(record.partitionChange, record.record, offset), offset);
    case 'config':
      return applyConfig(state, present(record.config, record.record, offset), offset);
    case 'removeTopic':
      return removeTopic(state, present(record.removeTopic, record.record, offset).topicId, offset);
    case 'producerIds':
      return allocateProducerIds(state, present(record.producerIds, record.record, offset), offset);
    case 'featureLevel': {
      const feature = present(record.featureLevel, record.record, offset);
      return { ...state, features: withEntry(state.features, feature.name, feature.featureLevel) };
    }
    case 'userScramCredential':
      return setScramCredential(state, present(record.userScramCredential, record.record, offset), offset);
    case 'removeUserScramCredential':
      return removeScramCredential(state, present(record.removeUserScramCredential, record.record, offset), offset);
    case 'accessControlEntry':
      return addAcl(state, present(record.accessControlEntry, record.record, offset), offset);
    case 'removeAccessControlEntry': {
      const { id } = present(record.removeAccessControlEntry, record.record, offset);
      if (!state.acls.has(id)) fail(offset, `no ACL with id ${id}`);
      return { ...state, acls: withoutEntry(state.acls, id) };
    }
    case 'noOp':
      return state;
    default:
      throw new MetadataInvariantError(`record at offset ${offset} has no known type (${String(record.record)})`);
  }
}

function present<T>(value: T | null | undefined, type: string, offset: number): T {
  if (value === null || value === undefined) throw new MetadataInvariantError(`${type} record at offset ${offset} has no body`);
  return value;
}

function fail(offset: number, message: string): never {
  throw new MetadataInvariantError(`record at offset ${offset}: ${message}`);
}

/** `map` with `key` set: a copy, unless the current batch made `map` (then changed in place). */
function withEntry<K, V>(map: ReadonlyMap<K, V>, key: K, value: V): ReadonlyMap<K, V> {
  const target = writable(map);
  target.set(key, value);
  return target;
}

function withoutEntry<K, V>(map: ReadonlyMap<K, V>, key: K): ReadonlyMap<K, V> {
  const target = writable(map);
  target.delete(key);
  return target;
}

function writable<K, V>(map: ReadonlyMap<K, V>): Map<K, V> {
  if (ownedByBatch?.has(map) === true) return map as Map<K, V>;
  const copy = new Map(map);
  ownedByBatch?.add(copy);
  return copy;
}

// ------------------------------------------------------------------ brokers

function registerBroker(state: MetadataState, record: RegisterBrokerRecord__Output, offset: number): MetadataState {
  const previous = state.brokers.get(record.brokerId);
  if (previous !== undefined && record.brokerEpoch <= previous.brokerEpoch) {
    fail(offset, `broker ${record.brokerId} re-registered with epoch ${record.brokerEpoch} <= ${previous.brokerEpoch}`);
  }
  const registration: BrokerRegistration = {
    brokerId: record.brokerId,
    incarnationId: record.incarnationId,
    brokerEpoch: record.brokerEpoch,
    endpoints: record.endpoints.map((e) => ({ listenerName: e.listenerName, host: e.host, port: e.port })),
    rack: record.rack,
    fenced: record.fenced,
    inControlledShutdown: false,
  };
  return { ...state, brokers: withEntry(state.brokers, record.brokerId, registration) };
}

/** The registration a broker record refers to, which must be the current one. */
function currentRegistration(
  state: MetadataState,
  record: { brokerId: number; brokerEpoch: number },
  offset: number,
): BrokerRegistration {
  const broker = state.brokers.get(record.brokerId);
  if (broker === undefined) fail(offset, `broker ${record.brokerId} is not registered`);
  if (broker.brokerEpoch !== record.brokerEpoch) {
    fail(offset, `broker ${record.brokerId} epoch ${record.brokerEpoch} is not the current ${broker.brokerEpoch}`);
  }
  return broker;
}

function unregisterBroker(state: MetadataState, record: UnregisterBrokerRecord__Output, offset: number): MetadataState {
  currentRegistration(state, record, offset);
  return { ...state, brokers: withoutEntry(state.brokers, record.brokerId) };
}

function setFenced(
  state: MetadataState,
  record: FenceBrokerRecord__Output | UnfenceBrokerRecord__Output,
  fenced: boolean,
  offset: number,
): MetadataState {
  const broker = currentRegistration(state, record, offset);
  // Unfencing ends a controlled shutdown: the broker is back in service.
  const updated: BrokerRegistration = { ...broker, fenced, inControlledShutdown: fenced && broker.inControlledShutdown };
  return { ...state, brokers: withEntry(state.brokers, broker.brokerId, updated) };
}

function startControlledShutdown(state: MetadataState, record: BrokerShutdownRecord__Output, offset: number): MetadataState {
  const broker = currentRegistration(state, record, offset);
  return { ...state, brokers: withEntry(state.brokers, broker.brokerId, { ...broker, inControlledShutdown: true }) };
}

// ------------------------------------------------------------------ topics and partitions

function addTopic(state: MetadataState, record: TopicRecord__Output, offset: number): MetadataState {
  if (state.topicIdsByName.has(record.name)) fail(offset, `topic ${record.name} already exists`);
  if (state.topicsById.has(record.topicId)) fail(offset, `topic id ${record.topicId} already exists`);
  const topic: TopicMetadata = { name: record.name, topicId: record.topicId, partitions: new Map() };
  return {
    ...state,
    topicsById: withEntry(state.topicsById, record.topicId, topic),
    topicIdsByName: withEntry(state.topicIdsByName, record.name, record.topicId),
  };
}

function topicOf(state: MetadataState, topicId: string, offset: number): TopicMetadata {
  const topic = state.topicsById.get(topicId);
  if (topic === undefined) fail(offset, `unknown topic id ${topicId}`);
  return topic;
}

function withPartition(state: MetadataState, topic: TopicMetadata, partition: PartitionMetadata): MetadataState {
  const updated: TopicMetadata = { ...topic, partitions: withEntry(topic.partitions, partition.partition, partition) };
  return { ...state, topicsById: withEntry(state.topicsById, topic.topicId, updated) };
}

/** Replicas distinct, ISR a non-empty subset of them, leader in the ISR (or none). */
function checkPartitionShape(partition: PartitionMetadata, offset: number): void {
  const where = `${partition.topicId}/${partition.partition}`;
  const replicas = new Set(partition.replicas);
  if (replicas.size === 0 || replicas.size !== partition.replicas.length) fail(offset, `${where}: bad replicas ${partition.replicas.join(',')}`);
  if (partition.isr.length === 0) fail(offset, `${where}: empty ISR`);
  if (new Set(partition.isr).size !== partition.isr.length || partition.isr.some((b) => !replicas.has(b))) {
    fail(offset, `${where}: ISR ${partition.isr.join(',')} is not a subset of replicas ${partition.replicas.join(',')}`);
  }
  if (partition.leader !== NO_LEADER && !partition.isr.includes(partition.leader)) {
    fail(offset, `${where}: leader ${partition.leader} is not in the ISR ${partition.isr.join(',')}`);
  }
  const moving = partition.reassignment;
  if (moving !== undefined) {
    const both = [...moving.adding, ...moving.removing];
    const original = new Set(moving.original);
    const originalFits = original.size === moving.original.length && moving.original.every((b) => replicas.has(b) && !moving.adding.includes(b));
    if (both.length === 0 || new Set(both).size !== both.length || both.some((b) => !replicas.has(b)) || !originalFits || original.size + moving.adding.length !== replicas.size) {
      fail(offset, `${where}: reassignment adding ${moving.adding.join(',')} removing ${moving.removing.join(',')} does not fit replicas ${partition.replicas.join(',')}`);
    }
  }
}

/**
 * The reassignment the lists describe; undefined when adding and removing are both empty. A
 * record without the original replicas (written before they were recorded) gets the replicas
 * that are not being added, in the order of `replicas`.
 */
function reassignmentOf(replicas: readonly number[], adding: readonly number[], removing: readonly number[], original: readonly number[]): PartitionReassignment | undefined {
  if (adding.length === 0 && removing.length === 0) return undefined;
  return { adding: [...adding], removing: [...removing], original: original.length > 0 ? [...original] : replicas.filter((b) => !adding.includes(b)) };
}

function addPartition(state: MetadataState, record: PartitionRecord__Output, offset: number): MetadataState {
  const topic = topicOf(state, record.topicId, offset);
  if (record.partition !== topic.partitions.size) {
    fail(offset, `partition ${record.partition} of ${topic.name} added after ${topic.partitions.size} partitions`);
  }
  let partition: PartitionMetadata = {
    topicId: record.topicId,
    partition: record.partition,
    replicas: [...record.replicas],
    isr: [...record.isr],
    leader: record.leader,
    leaderEpoch: record.leaderEpoch,
    partitionEpoch: record.partitionEpoch,
  };
  const reassignment = reassignmentOf(partition.replicas, record.addingReplicas, record.removingReplicas, record.originalReplicas);
  if (reassignment !== undefined) partition = { ...partition, reassignment };
  checkPartitionShape(partition, offset);
  return withPartition(state, topic, partition);
}

function changePartition(state: MetadataState, record: PartitionChangeRecord__Output, offset: number): MetadataState {
  const topic = topicOf(state, record.topicId, offset);
  const current = topic.partitions.get(record.partition);
  if (current === undefined) fail(offset, `unknown partition ${topic.name}/${record.partition}`);
  if (record.partitionEpoch <= current.partitionEpoch) {
    fail(offset, `${topic.name}/${record.partition}: partition epoch ${record.partitionEpoch} after ${current.partitionEpoch}`);
  }
  if (record.leaderEpoch < current.leaderEpoch) {
    fail(offset, `${topic.name}/${record.partition}: leader epoch ${record.leaderEpoch} after ${current.leaderEpoch}`);
  }
  let changed: PartitionMetadata = {
    ...current,
    replicas: record.replicas === null ? current.replicas : [...record.replicas.brokerIds],
    isr: record.isr === null ? current.isr : [...record.isr.brokerIds],
    leader: record.leader ?? current.leader,
    leaderEpoch: record.leaderEpoch,
    partitionEpoch: record.partitionEpoch,
  };
  if (record.addingReplicas !== null || record.removingReplicas !== null || record.originalReplicas !== null) {
    const { reassignment: _ended, ...rest } = changed;
    const reassignment = reassignmentOf(
      rest.replicas,
      record.addingReplicas?.brokerIds ?? [],
      record.removingReplicas?.brokerIds ?? [],
      record.originalReplicas?.brokerIds ?? current.reassignment?.original ?? [],
    );
    changed = reassignment === undefined ? rest : { ...rest, reassignment };
  }
  checkPartitionShape(changed, offset);
  return withPartition(state, topic, changed);
}

function removeTopic(state: MetadataState, topicId: string, offset: number): MetadataState {
  const topic = topicOf(state, topicId, offset);
  // A topic's dynamic configs go with it, so a later topic of the same name starts from defaults.
  return {
    ...state,
    topicsById: withoutEntry(state.topicsById, topicId),
    topicIdsByName: withoutEntry(state.topicIdsByName, topic.name),
    configs: withoutEntry(state.configs, configResourceKey({ kind: 'topic', name: topic.name })),
  };
}

// ------------------------------------------------------------------ configs and producer ids

function applyConfig(state: MetadataState, record: ConfigRecord__Output, offset: number): MetadataState {
  const kind = configResourceKind(record.resourceType);
  if (kind === undefined) fail(offset, `config record for resource type ${String(record.resourceType)}`);
  if (kind === 'topic' && !state.topicIdsByName.has(record.resourceName)) {
    fail(offset, `config record for unknown topic ${record.resourceName}`);
  }
  const resourceKey = configResourceKey({ kind, name: record.resourceName });
  const entries = state.configs.get(resourceKey) ?? new Map<string, string>();
  const updated = record.value === undefined ? withoutEntry(entries, record.key) : withEntry(entries, record.key, record.value);
  const configs = updated.size === 0 ? withoutEntry(state.configs, resourceKey) : withEntry(state.configs, resourceKey, updated);
  return { ...state, configs };
}

function allocateProducerIds(state: MetadataState, record: ProducerIdsRecord__Output, offset: number): MetadataState {
  const previous = state.producerIds?.nextProducerId ?? 0;
  if (record.nextProducerId <= previous) fail(offset, `next producer id ${record.nextProducerId} after ${previous}`);
  return {
    ...state,
    producerIds: { nextProducerId: record.nextProducerId, lastBrokerId: record.brokerId, lastBrokerEpoch: record.brokerEpoch },
  };
}

// ------------------------------------------------------------------ users

function scramMechanismOf(name: string, offset: number): ScramMechanism {
  if (!isScramMechanism(name)) fail(offset, `unknown SCRAM mechanism ${name}`);
  return name;
}

function setScramCredential(state: MetadataState, record: UserScramCredentialRecord__Output, offset: number): MetadataState {
  const mechanism = scramMechanismOf(record.mechanism, offset);
  if (record.name === '') fail(offset, 'SCRAM credential for an empty user name');
  const credential: ScramCredential = {
    salt: Buffer.from(record.salt),
    storedKey: Buffer.from(record.storedKey),
    serverKey: Buffer.from(record.serverKey),
    iterations: record.iterations,
  };
  const ofUser = state.scramCredentials.get(record.name) ?? new Map<ScramMechanism, ScramCredential>();
  return { ...state, scramCredentials: withEntry(state.scramCredentials, record.name, withEntry(ofUser, mechanism, credential)) };
}

function removeScramCredential(state: MetadataState, record: RemoveUserScramCredentialRecord__Output, offset: number): MetadataState {
  const mechanism = scramMechanismOf(record.mechanism, offset);
  const ofUser = state.scramCredentials.get(record.name);
  if (ofUser === undefined || !ofUser.has(mechanism)) fail(offset, `user ${record.name} has no ${mechanism} credential`);
  const remaining = withoutEntry(ofUser, mechanism);
  const scramCredentials = remaining.size === 0 ? withoutEntry(state.scramCredentials, record.name) : withEntry(state.scramCredentials, record.name, remaining);
  return { ...state, scramCredentials };
}

// ------------------------------------------------------------------ ACLs

function addAcl(state: MetadataState, record: AccessControlEntryRecord__Output, offset: number): MetadataState {
  if (record.id === '') fail(offset, 'ACL with an empty id');
  if (state.acls.has(record.id)) fail(offset, `ACL id ${record.id} exists`);
  const binding = {
    resourceType: record.resourceType,
    resourceName: record.resourceName,
    patternType: record.patternType,
    principal: record.principal,
    host: record.host,
    operation: record.operation,
    permission: record.permission,
  } as AclBinding;
  const invalid = invalidAclBinding(binding);
  if (invalid !== undefined) fail(offset, `ACL ${record.id}: ${invalid}`);
  return { ...state, acls: withEntry(state.acls, record.id, binding) };
}
