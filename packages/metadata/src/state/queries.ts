// Read helpers over MetadataState. Every list comes back in a fixed order (brokers by id,
// topics by name, partitions by index) so that decisions built on them are deterministic no
// matter in which order the maps were filled.
import type { ScramCredential, ScramMechanism } from '@quill/security';
import {
  configResourceKey,
  type BrokerEndpoint,
  type BrokerRegistration,
  type ConfigResource,
  type MetadataState,
  type PartitionMetadata,
  type TopicMetadata,
} from './state.js';
import { byNumber, byString } from './order.js';

export function topicByName(state: MetadataState, name: string): TopicMetadata | undefined {
  const topicId = state.topicIdsByName.get(name);
  return topicId === undefined ? undefined : state.topicsById.get(topicId);
}

export function topicById(state: MetadataState, topicId: string): TopicMetadata | undefined {
  return state.topicsById.get(topicId);
}

export function topicsSortedByName(state: MetadataState): TopicMetadata[] {
  return [...state.topicIdsByName.keys()].sort(byString).map((name) => topicByName(state, name)!);
}

/** The partitions of a topic by index. */
export function partitionsOf(topic: TopicMetadata): PartitionMetadata[] {
  return [...topic.partitions.keys()].sort(byNumber).map((index) => topic.partitions.get(index)!);
}

export function partitionOf(state: MetadataState, topicId: string, partition: number): PartitionMetadata | undefined {
  return state.topicsById.get(topicId)?.partitions.get(partition);
}

/** Every partition of every topic, by topic name then index. */
export function allPartitions(state: MetadataState): PartitionMetadata[] {
  return topicsSortedByName(state).flatMap(partitionsOf);
}

export function brokersSortedById(state: MetadataState): BrokerRegistration[] {
  return [...state.brokers.keys()].sort(byNumber).map((id) => state.brokers.get(id)!);
}

/** Unfenced brokers, by id (including those in controlled shutdown, which still serve). */
export function liveBrokers(state: MetadataState): BrokerRegistration[] {
  return brokersSortedById(state).filter((b) => !b.fenced);
}

/** Registered and unfenced (controlled shutdown included): the brokers a client may be sent to. */
export function isLiveBroker(state: MetadataState, brokerId: number): boolean {
  const broker = state.brokers.get(brokerId);
  return broker !== undefined && !broker.fenced;
}

/** Where a registered broker is reached: its first listener. */
export function brokerEndpoint(state: MetadataState, brokerId: number): BrokerEndpoint | undefined {
  return state.brokers.get(brokerId)?.endpoints[0];
}

/** A broker's endpoint while it is live (registered and unfenced), else undefined. */
export function liveBrokerEndpoint(state: MetadataState, brokerId: number): BrokerEndpoint | undefined {
  return isLiveBroker(state, brokerId) ? brokerEndpoint(state, brokerId) : undefined;
}

/** Replicas of a partition on brokers that are not live. */
export function offlineReplicas(state: MetadataState, partition: PartitionMetadata): number[] {
  return partition.replicas.filter((id) => !isLiveBroker(state, id));
}

/** Brokers that may take new replicas or leaderships: unfenced and not shutting down. */
export function usableBrokers(state: MetadataState): BrokerRegistration[] {
  return liveBrokers(state).filter((b) => !b.inControlledShutdown);
}

export function isUsableBroker(state: MetadataState, brokerId: number): boolean {
  const broker = state.brokers.get(brokerId);
  return broker !== undefined && !broker.fenced && !broker.inControlledShutdown;
}

export function partitionsLedBy(state: MetadataState, brokerId: number): PartitionMetadata[] {
  return allPartitions(state).filter((p) => p.leader === brokerId);
}

export function configEntries(state: MetadataState, resource: ConfigResource): ReadonlyMap<string, string> {
  return state.configs.get(configResourceKey(resource)) ?? new Map<string, string>();
}

/**
 * The dynamic value of a topic config as it applies to the topic: the topic's own entry, else
 * the cluster-wide default, else undefined (the built-in default applies).
 */
export function effectiveTopicConfig(state: MetadataState, topicName: string, key: string): string | undefined {
  return configEntries(state, { kind: 'topic', name: topicName }).get(key) ?? configEntries(state, { kind: 'cluster', name: '' }).get(key);
}

/** The user's SCRAM credential for a mechanism; undefined when the user has none. */
export function scramCredentialOf(state: MetadataState, user: string, mechanism: ScramMechanism): ScramCredential | undefined {
  return state.scramCredentials.get(user)?.get(mechanism);
}
