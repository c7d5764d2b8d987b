// Typed constructors for metadata records, in the shape the log decoder hands back
// (MetadataRecord__Output with the oneof discriminant set), so that records built by the
// active controller and records read back from the log go through the same reducer code.
import { ConfigResourceType } from '@quill/proto';
import type { ConfigResourceType__Output, MetadataRecord__Output } from '@quill/proto';
import type { ScramCredential, ScramMechanism } from '@quill/security';
import type { AclBinding } from '../acl/acl-binding.js';
import type { BrokerEndpoint, ConfigResourceKind, PartitionMetadata, PartitionReassignment } from './state.js';

export type MetadataRecord = MetadataRecord__Output;

export interface RegisterBrokerFields {
  readonly brokerId: number;
  readonly incarnationId: string;
  readonly brokerEpoch: number;
  readonly endpoints: readonly BrokerEndpoint[];
  readonly rack: string | undefined;
  readonly fenced: boolean;
}

export function registerBrokerRecord(fields: RegisterBrokerFields): MetadataRecord {
  const registerBroker = {
    brokerId: fields.brokerId,
    incarnationId: fields.incarnationId,
    brokerEpoch: fields.brokerEpoch,
    endpoints: fields.endpoints.map((e) => ({ listenerName: e.listenerName, host: e.host, port: e.port })),
    fenced: fields.fenced,
  };
  return {
    record: 'registerBroker',
    registerBroker: fields.rack === undefined ? registerBroker : { ...registerBroker, rack: fields.rack },
  };
}

export function unregisterBrokerRecord(brokerId: number, brokerEpoch: number): MetadataRecord {
  return { record: 'unregisterBroker', unregisterBroker: { brokerId, brokerEpoch } };
}

export function fenceBrokerRecord(brokerId: number, brokerEpoch: number): MetadataRecord {
  return { record: 'fenceBroker', fenceBroker: { brokerId, brokerEpoch } };
}

export function unfenceBrokerRecord(brokerId: number, brokerEpoch: number): MetadataRecord {
  return { record: 'unfenceBroker', unfenceBroker: { brokerId, brokerEpoch } };
}

export function brokerShutdownRecord(brokerId: number, brokerEpoch: number): MetadataRecord {
  return { record: 'brokerShutdown', brokerShutdown: { brokerId, brokerEpoch } };
}

export function topicRecord(name: string, topicId: string): MetadataRecord {
  return { record: 'topic', topic: { name, topicId } };
}

export function partitionRecord(partition: PartitionMetadata): MetadataRecord {
  return {
    record: 'partition',
    partition: {
      topicId: partition.topicId,
      partition: partition.partition,
      replicas: [...partition.replicas],
      isr: [...partition.isr],
      leader: partition.leader,
      leaderEpoch: partition.leaderEpoch,
      partitionEpoch: partition.partitionEpoch,
      addingReplicas: [...(partition.reassignment?.adding ?? [])],
      removingReplicas: [...(partition.reassignment?.removing ?? [])],
      originalReplicas: [...(partition.reassignment?.original ?? [])],
    },
  };
}

/** What changes in a partition; absent fields stay as they are. Epochs are the new values. */
export interface PartitionChange {
  readonly topicId: string;
  readonly partition: number;
  readonly leader?: number;
  readonly isr?: readonly number[];
  readonly replicas?: readonly number[];
  /** A reassignment starting, or `null` when it completes or is cancelled. */
  readonly reassignment?: PartitionReassignment | null;
  readonly leaderEpoch: number;
  readonly partitionEpoch: number;
}

function brokerIds(ids: readonly number[] | undefined): { brokerIds: number[] } | null {
  return ids === undefined ? null : { brokerIds: [...ids] };
}

export function partitionChangeRecord(change: PartitionChange): MetadataRecord {
  const reassignment = change.reassignment === null ? { adding: [], removing: [], original: [] } : change.reassignment;
  const partitionChange = {
    topicId: change.topicId,
    partition: change.partition,
    isr: brokerIds(change.isr),
    replicas: brokerIds(change.replicas),
    addingReplicas: brokerIds(reassignment?.adding),
    removingReplicas: brokerIds(reassignment?.removing),
    originalReplicas: brokerIds(reassignment?.original),
    leaderEpoch: change.leaderEpoch,
    partitionEpoch: change.partitionEpoch,
  };
  return {
    record: 'partitionChange',
    partitionChange: change.leader === undefined ? partitionChange : { ...partitionChange, leader: change.leader },
  };
}

const RESOURCE_TYPE_BY_KIND: Readonly<Record<ConfigResourceKind, ConfigResourceType__Output>> = {
  topic: ConfigResourceType.CONFIG_RESOURCE_TYPE_TOPIC,
  broker: ConfigResourceType.CONFIG_RESOURCE_TYPE_BROKER,
  cluster: ConfigResourceType.CONFIG_RESOURCE_TYPE_CLUSTER,
};

/** The resource kind of a wire resource type; undefined for UNSPECIFIED or an unknown value. */
export function configResourceKind(type: ConfigResourceType__Output | string | number): ConfigResourceKind | undefined {
  switch (type) {
    case ConfigResourceType.CONFIG_RESOURCE_TYPE_TOPIC:
    case 1:
      return 'topic';
    case ConfigResourceType.CONFIG_RESOURCE_TYPE_BROKER:
    case 2:
      return 'broker';
    case ConfigResourceType.CONFIG_RESOURCE_TYPE_CLUSTER:
    case 3:
      return 'cluster';
    default:
      return undefined;
  }
}

/** Sets `key` of a resource to `value`, or deletes it (the default applies again) when value is undefined. */
export function configRecord(kind: ConfigResourceKind, resourceName: string, key: string, value: string | undefined): MetadataRecord {
  const config = { resourceType: RESOURCE_TYPE_BY_KIND[kind], resourceName, key };
  return { record: 'config', config: value === undefined ? config : { ...config, value } };
}

export function removeTopicRecord(topicId: string): MetadataRecord {
  return { record: 'removeTopic', removeTopic: { topicId } };
}

export function producerIdsRecord(brokerId: number, brokerEpoch: number, nextProducerId: number): MetadataRecord {
  return { record: 'producerIds', producerIds: { brokerId, brokerEpoch, nextProducerId } };
}

export function featureLevelRecord(name: string, featureLevel: number): MetadataRecord {
  return { record: 'featureLevel', featureLevel: { name, featureLevel } };
}

export function noOpRecord(): MetadataRecord {
  return { record: 'noOp', noOp: {} };
}

export function userScramCredentialRecord(name: string, mechanism: ScramMechanism, credential: ScramCredential): MetadataRecord {
  return {
    record: 'userScramCredential',
    userScramCredential: {
      name,
      mechanism,
      salt: Buffer.from(credential.salt),
      storedKey: Buffer.from(credential.storedKey),
      serverKey: Buffer.from(credential.serverKey),
      iterations: credential.iterations,
    },
  };
}

export function accessControlEntryRecord(id: string, binding: AclBinding): MetadataRecord {
  return { record: 'accessControlEntry', accessControlEntry: { id, ...binding } };
}

export function removeAccessControlEntryRecord(id: string): MetadataRecord {
  return { record: 'removeAccessControlEntry', removeAccessControlEntry: { id } };
}

export function removeUserScramCredentialRecord(name: string, mechanism: ScramMechanism): MetadataRecord {
  return { record: 'removeUserScramCredential', removeUserScramCredential: { name, mechanism } };
}
