import { type MetadataRecord, NO_LEADER, type PartitionMetadata, partitionChangeRecord } from '@quill/metadata';
// The one place that decides a partition's leader and ISR after something changed around it
// (a broker fenced, unfenced or shutting down, an ISR change). Rules, as in Kafka:
//   - the ISR is never empty: when the last member is taken out it stays, and the partition
//     goes leaderless until that replica comes back (it may hold acknowledged writes that no
//     other replica has);
//   - a leader comes from the ISR: the current one if it may still lead, else the first ISR
//     member in replica order that may lead;
//   - only when the topic enables unclean.leader.election and no ISR member may lead, the first
//     out-of-sync replica that may lead takes over, with itself as the only ISR member;
//   - the leader epoch is bumped when the leader changes, the partition epoch on every change.

export interface LeadershipRules {
  /** May this broker lead (unfenced, not shutting down, not the broker being removed)? */
  readonly canLead: (brokerId: number) => boolean;
  /** unclean.leader.election.enable for the partition's topic. */
  readonly uncleanLeaderElection: boolean;
}

export interface PartitionOutcome {
  readonly leader: number;
  readonly isr: readonly number[];
}

function sameMembers(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((id, i) => id === b[i]);
}

/** Leader and ISR of `partition` when its ISR should become `wantedIsr` (order kept as given). */
export function electLeader(partition: PartitionMetadata, wantedIsr: readonly number[], rules: LeadershipRules): PartitionOutcome {
  const isr = wantedIsr.length > 0 ? wantedIsr : partition.isr;
  if (partition.leader !== NO_LEADER && isr.includes(partition.leader) && rules.canLead(partition.leader)) {
    return { leader: partition.leader, isr };
  }
  const inSync = partition.replicas.find((id) => isr.includes(id) && rules.canLead(id));
  if (inSync !== undefined) return { leader: inSync, isr };
  if (rules.uncleanLeaderElection) {
    const outOfSync = partition.replicas.find((id) => rules.canLead(id));
    if (outOfSync !== undefined) return { leader: outOfSync, isr: [outOfSync] };
  }
  return { leader: NO_LEADER, isr };
}

/** The PartitionChangeRecord taking `partition` to `outcome`, or undefined when nothing changes. */
export function partitionChange(partition: PartitionMetadata, outcome: PartitionOutcome): MetadataRecord | undefined {
  const leaderChanged = outcome.leader !== partition.leader;
  const isrChanged = !sameMembers(outcome.isr, partition.isr);
  if (!leaderChanged && !isrChanged) return undefined;
  return partitionChangeRecord({
    topicId: partition.topicId,
    partition: partition.partition,
    ...(leaderChanged ? { leader: outcome.leader } : {}),
    ...(isrChanged ? { isr: outcome.isr } : {}),
    leaderEpoch: partition.leaderEpoch + (leaderChanged ? 1 : 0),
    partitionEpoch: partition.partitionEpoch + 1,
  });
}

/** ISR ordered like the replicas, so equal sets compare equal. */
export function inReplicaOrder(partition: PartitionMetadata, members: Iterable<number>): number[] {
  const wanted = new Set(members);
  return partition.replicas.filter((id) => wanted.has(id));
}
