// ElectLeaders: an operator moves leaderships on request, as Kafka's kafka-leader-election.sh.
//   - preferred: the partition's preferred replica (replicas[0], where placement spread the
//     leaderships) takes the leadership back, only when it is in the ISR and may lead, so the
//     move never loses an acknowledged write;
//   - unclean: a leaderless partition gets a leader even from outside the ISR (whatever the
//     topic's unclean.leader.election.enable says), as a last resort that may lose writes.
// Each partition gets its own result; every change goes into one Raft entry.
import { ErrorCode } from '@quill/proto';
import {
  type MetadataRecord,
  type MetadataState,
  NO_LEADER,
  type PartitionMetadata,
  isUsableBroker,
  partitionsOf,
  topicByName,
  topicsSortedByName,
} from '@quill/metadata';
import { accept, type Accepted } from './decision.js';
import { electLeader, partitionChange } from './partition-leadership.js';

export type ElectionType = 'preferred' | 'unclean';

export interface ElectionTarget {
  readonly topic: string;
  readonly partition: number;
}

export interface ElectionResult {
  readonly topic: string;
  readonly partition: number;
  /** NONE when a new leader was elected. */
  readonly errorCode: ErrorCode;
  readonly errorMessage?: string;
}

type PartitionElection = { record: MetadataRecord } | { errorCode: ErrorCode; errorMessage: string };

function preferredElection(state: MetadataState, partition: PartitionMetadata, where: string): PartitionElection {
  const preferred = partition.replicas[0];
  if (preferred === undefined) return { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: `${where} has no replicas.` };
  if (partition.leader === preferred) {
    return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: `${where}: the preferred replica ${preferred} already leads.` };
  }
  if (!partition.isr.includes(preferred)) {
    return { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: `${where}: the preferred replica ${preferred} is not in the ISR [${partition.isr.join(',')}].` };
  }
  if (!isUsableBroker(state, preferred)) {
    return { errorCode: ErrorCode.PREFERRED_LEADER_NOT_AVAILABLE, errorMessage: `${where}: the preferred replica ${preferred} is fenced, shutting down or not registered.` };
  }
  return { record: partitionChange(partition, { leader: preferred, isr: partition.isr })! };
}

function uncleanElection(state: MetadataState, partition: PartitionMetadata, where: string): PartitionElection {
  const canLead = (id: number): boolean => isUsableBroker(state, id);
  if (partition.leader !== NO_LEADER && canLead(partition.leader)) {
    return { errorCode: ErrorCode.ELECTION_NOT_NEEDED, errorMessage: `${where} has a leader (${partition.leader}).` };
  }
  const record = partitionChange(partition, electLeader(partition, partition.isr, { canLead, uncleanLeaderElection: true }));
  if (record === undefined) {
    return { errorCode: ErrorCode.ELIGIBLE_LEADERS_NOT_AVAILABLE, errorMessage: `${where}: none of the replicas [${partition.replicas.join(',')}] may lead.` };
  }
  return { record };
}

/**
 * Elects leaders for `targets`, or for every partition when `targets` is undefined; then, as in
 * Kafka, partitions where no election was needed are left out of the results. A target listed
 * twice is decided once.
 */
export function electLeaders(state: MetadataState, type: ElectionType, targets: readonly ElectionTarget[] | undefined): Accepted<ElectionResult[]> {
  const elect = type === 'preferred' ? preferredElection : uncleanElection;
  const records: MetadataRecord[] = [];
  const results: ElectionResult[] = [];
  const decide = (topic: string, partition: PartitionMetadata | undefined, index: number): void => {
    const where = `${topic}/${index}`;
    if (partition === undefined) {
      results.push({ topic, partition: index, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `${where} does not exist.` });
      return;
    }
    const outcome = elect(state, partition, where);
    if ('record' in outcome) {
      records.push(outcome.record);
      results.push({ topic, partition: index, errorCode: ErrorCode.NONE });
    } else if (targets !== undefined || outcome.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) {
      results.push({ topic, partition: index, ...outcome });
    }
  };
  if (targets === undefined) {
    for (const topic of topicsSortedByName(state)) {
      for (const partition of partitionsOf(topic)) decide(topic.name, partition, partition.partition);
    }
  } else {
    const seen = new Set<string>();
    for (const target of targets) {
      const key = `${target.topic}\u0000${target.partition}`;
      if (seen.has(key)) continue;
      seen.add(key);
      decide(target.topic, topicByName(state, target.topic)?.partitions.get(target.partition), target.partition);
    }
  }
  return accept(records, results);
}
