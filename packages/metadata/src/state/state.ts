// The cluster metadata as of one offset of the metadata log: what every controller and broker
// rebuilds by replaying the log. Immutable: applyRecord returns a new state that shares every
// untouched broker, topic and partition with the old one, so the controller can keep the
// committed state and a speculative one side by side cheaply.
import type { ScramCredential, ScramMechanism } from '@quill/security';
import type { AclBinding } from '../acl/acl-binding.js';

/** The leader of a partition that has none (no eligible replica). */
export const NO_LEADER = -1;

export interface BrokerEndpoint {
  readonly listenerName: string;
  readonly host: string;
  readonly port: number;
}

export interface BrokerRegistration {
  readonly brokerId: number;
  /** Picked by the broker process at start; a new one means the process restarted. */
  readonly incarnationId: string;
  /** The metadata offset of the registration record; presented in every broker request. */
  readonly brokerEpoch: number;
  readonly endpoints: readonly BrokerEndpoint[];
  /** Undefined when the broker has no rack (all rack-less brokers count as one rack). */
  readonly rack: string | undefined;
  /** A fenced broker may not lead or be in an ISR. Brokers register fenced. */
  readonly fenced: boolean;
  /** Controlled shutdown in progress: no new leaderships, existing ones are moved away. */
  readonly inControlledShutdown: boolean;
}

export interface PartitionMetadata {
  readonly topicId: string;
  readonly partition: number;
  /** Assignment order: replicas[0] is the preferred leader. */
  readonly replicas: readonly number[];
  /** In-sync replicas, never empty. */
  readonly isr: readonly number[];
  /** NO_LEADER (-1) when no replica can lead. */
  readonly leader: number;
  readonly leaderEpoch: number;
  /** Bumped on every change; the compare-and-set token of AlterPartition. */
  readonly partitionEpoch: number;
  /** Present while the partition moves to a new replica set. */
  readonly reassignment?: PartitionReassignment;
}

/**
 * A move in progress, as KIP-455 has it: `replicas` is the target set followed by `removing`.
 * `adding` (target replicas not in the original set) join as followers; once every target replica
 * is in the ISR, `removing` leave and the move is complete.
 */
export interface PartitionReassignment {
  readonly adding: readonly number[];
  readonly removing: readonly number[];
  /** The replicas before the move, in their order: what cancelling restores. */
  readonly original: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  readonly topicId: string;
  /** By partition index; indexes are dense from 0. */
  readonly partitions: ReadonlyMap<number, PartitionMetadata>;
}

export type ConfigResourceKind = 'topic' | 'broker' | 'cluster';

/** Dynamic config entries of one resource (topic name, broker id in decimal, or "" for the cluster). */
export interface ConfigResource {
  readonly kind: ConfigResourceKind;
  readonly name: string;
}

export interface ProducerIdsState {
  /** The first producer id not yet handed out. */
  readonly nextProducerId: number;
  /** Who got the last block (kept so a snapshot reproduces the last record exactly). */
  readonly lastBrokerId: number;
  readonly lastBrokerEpoch: number;
}

export interface MetadataState {
  /** The offset of the last applied record; 0 before the first. */
  readonly offset: number;
  readonly brokers: ReadonlyMap<number, BrokerRegistration>;
  readonly topicsById: ReadonlyMap<string, TopicMetadata>;
  /** Name -> topic id; kept in step with topicsById. */
  readonly topicIdsByName: ReadonlyMap<string, string>;
  /** configResourceKey(resource) -> key -> value. A resource without entries is absent. */
  readonly configs: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Undefined until the first block is handed out. */
  readonly producerIds: ProducerIdsState | undefined;
  /** Feature name -> level (metadata.version and friends). */
  readonly features: ReadonlyMap<string, number>;
  /** User name -> mechanism -> SCRAM credential. A user without credentials is absent. */
  readonly scramCredentials: ReadonlyMap<string, ReadonlyMap<ScramMechanism, ScramCredential>>;
  /** ACL id (a uuid the controller chose) -> access control entry. */
  readonly acls: ReadonlyMap<string, AclBinding>;
}

export const EMPTY_METADATA_STATE: MetadataState = Object.freeze({
  offset: 0,
  brokers: new Map(),
  topicsById: new Map(),
  topicIdsByName: new Map(),
  configs: new Map(),
  producerIds: undefined,
  features: new Map(),
  scramCredentials: new Map(),
  acls: new Map(),
});

/** The key of a config resource in MetadataState.configs. A NUL cannot occur in a topic name. */
export function configResourceKey(resource: ConfigResource): string {
  return `${resource.kind}\u0000${resource.name}`;
}

export function parseConfigResourceKey(key: string): ConfigResource {
  const separator = key.indexOf('\u0000');
  return { kind: key.slice(0, separator) as ConfigResourceKind, name: key.slice(separator + 1) };
}
