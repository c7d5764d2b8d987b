// The partition changes that follow a broker's state: taken out of service (fenced, replaced by
// a new incarnation, unregistered), back in service (unfenced), or shutting down (leaderships
// moved away first, so producers see one quick leader change instead of a timeout).
import {
  type MetadataRecord,
  type MetadataState,
  NO_LEADER,
  type PartitionMetadata,
  type TopicMetadata,
  effectiveTopicConfig,
  isUsableBroker,
  partitionsOf,
  topicsSortedByName,
} from '@quill/metadata';
import { electLeader, partitionChange, type LeadershipRules } from './partition-leadership.js';

export function uncleanLeaderElectionEnabled(state: MetadataState, topicName: string): boolean {
  return effectiveTopicConfig(state, topicName, 'unclean.leader.election.enable') === 'true';
}

function changesOver(
  state: MetadataState,
  affects: (partition: PartitionMetadata) => boolean,
  decide: (partition: PartitionMetadata, topic: TopicMetadata) => MetadataRecord | undefined,
): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  for (const topic of topicsSortedByName(state)) {
    for (const partition of partitionsOf(topic)) {
      if (!affects(partition)) continue;
      const record = decide(partition, topic);
      if (record !== undefined) records.push(record);
    }
  }
  return records;
}

/**
 * The broker leaves every ISR (except where it is the last member) and every leadership: each
 * partition it led gets the first ISR member in replica order that may lead, or with unclean
 * election enabled for the topic an out-of-sync replica, or no leader.
 */
export function removeBrokerFromPartitions(state: MetadataState, brokerId: number): MetadataRecord[] {
  const canLead = (id: number): boolean => id !== brokerId && isUsableBroker(state, id);
  return changesOver(
    state,
    (p) => p.isr.includes(brokerId) || p.leader === brokerId,
    (p, topic) => {
      const rules: LeadershipRules = { canLead, uncleanLeaderElection: uncleanLeaderElectionEnabled(state, topic.name) };
      return partitionChange(p, electLeader(p, p.isr.filter((id) => id !== brokerId), rules));
    },
  );
}

/**
 * Leaderships move to other ISR members; the broker stays in the ISRs until it stops. Never an
 * unclean election: the broker is alive and its data is still the most complete.
 */
export function moveLeadershipsAway(state: MetadataState, brokerId: number): MetadataRecord[] {
  const rules: LeadershipRules = { canLead: (id) => id !== brokerId && isUsableBroker(state, id), uncleanLeaderElection: false };
  return changesOver(
    state,
    (p) => p.leader === brokerId,
    (p) => partitionChange(p, electLeader(p, p.isr, rules)),
  );
}

/** Leaderless partitions the broker (about to be unfenced) can now lead get a leader. */
export function electLeadersWithBroker(state: MetadataState, brokerId: number): MetadataRecord[] {
  const canLead = (id: number): boolean => id === brokerId || isUsableBroker(state, id);
  return changesOver(
    state,
    (p) => p.leader === NO_LEADER && p.replicas.includes(brokerId),
    (p, topic) => partitionChange(p, electLeader(p, p.isr, { canLead, uncleanLeaderElection: uncleanLeaderElectionEnabled(state, topic.name) })),
  );
}
