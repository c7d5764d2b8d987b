// AlterPartition: a partition leader proposes a new ISR (shrink when a follower falls behind,
// expand when it catches up). The controller's answer is the truth; the request is a
// compare-and-set on the partition epoch, so a leader acting on stale state loses cleanly.
// A new ISR without the leader is its resignation: its replica went offline (a failed fsync, see
// docs/DESIGN.md "Storage failures"), and another ISR member is elected as on a fencing.
import { ErrorCode } from '@quill/proto';
import { type MetadataState, type PartitionMetadata, isUsableBroker, partitionChangeRecord, topicById } from '@quill/metadata';
import { checkBrokerEpoch, isRejected } from './broker-identity.js';
import { accept, reject, type Decision } from './decision.js';
import { uncleanLeaderElectionEnabled } from './leadership-moves.js';
import { electLeader, inReplicaOrder, partitionChange } from './partition-leadership.js';
import { completeIfCaughtUp, partitionChangeBetween } from './reassignment.js';

export interface AlterPartitionRequest {
  /** The proposing broker, which must lead the partition. */
  readonly brokerId: number;
  readonly brokerEpoch: number;
  readonly topicId: string;
  readonly partition: number;
  /** The leader epoch the proposer believes current. */
  readonly leaderEpoch: number;
  /** The compare-and-set token: the partition epoch the proposer last saw. */
  readonly partitionEpoch: number;
  readonly newIsr: readonly number[];
}

/** The partition after the change (what the response reports back to the leader). */
export type AlteredPartition = PartitionMetadata;

function checkNewIsr(state: MetadataState, partition: PartitionMetadata, newIsr: readonly number[], resigning: boolean): string | undefined {
  if (newIsr.length === 0 && !resigning) return 'The new ISR is empty.';
  if (new Set(newIsr).size !== newIsr.length) return `The new ISR ${newIsr.join(',')} lists a broker twice.`;
  const stranger = newIsr.find((id) => !partition.replicas.includes(id));
  if (stranger !== undefined) return `Broker ${stranger} is not a replica of the partition (replicas ${partition.replicas.join(',')}).`;
  // A member may stay while shutting down, but only a serving broker may join.
  const ineligible = newIsr.find((id) => !partition.isr.includes(id) && !isUsableBroker(state, id));
  if (ineligible !== undefined) return `Broker ${ineligible} is fenced or shutting down and cannot join the ISR.`;
  return undefined;
}

export function alterPartition(state: MetadataState, request: AlterPartitionRequest): Decision<AlteredPartition> {
  const broker = checkBrokerEpoch(state, request.brokerId, request.brokerEpoch);
  if (isRejected(broker)) return broker;
  const topic = topicById(state, request.topicId);
  if (topic === undefined) return reject(ErrorCode.UNKNOWN_TOPIC_ID, `No topic has id ${request.topicId}.`);
  const partition = topic.partitions.get(request.partition);
  if (partition === undefined) {
    return reject(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic '${topic.name}' has no partition ${request.partition}.`);
  }
  const where = `${topic.name}/${request.partition}`;
  if (request.leaderEpoch !== partition.leaderEpoch) {
    return reject(
      ErrorCode.FENCED_LEADER_EPOCH,
      `${where}: leader epoch ${request.leaderEpoch} in the request, the current one is ${partition.leaderEpoch}.`,
    );
  }
  if (request.brokerId !== partition.leader) {
    return reject(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${where}: broker ${request.brokerId} is not the leader (${partition.leader} is).`);
  }
  if (request.partitionEpoch !== partition.partitionEpoch) {
    return reject(
      ErrorCode.INVALID_UPDATE_VERSION,
      `${where}: partition epoch ${request.partitionEpoch} in the request, the current one is ${partition.partitionEpoch}.`,
    );
  }
  const resigning = !request.newIsr.includes(partition.leader);
  const problem = checkNewIsr(state, partition, request.newIsr, resigning);
  if (problem !== undefined) return reject(ErrorCode.INVALID_REQUEST, `${where}: ${problem}`);
  if (resigning) return resign(state, partition, topic.name, request.newIsr);

  const isr = inReplicaOrder(partition, request.newIsr);
  if (isr.length === partition.isr.length && isr.every((id, i) => id === partition.isr[i])) return accept([], partition);
  const changed: PartitionMetadata = { ...partition, isr, partitionEpoch: partition.partitionEpoch + 1 };
  // The ISR that takes in a moving partition's last new replica completes the move.
  const completed = completeIfCaughtUp(state, changed);
  if (completed !== changed) return accept([partitionChangeBetween(partition, completed)], completed);
  const record = partitionChangeRecord({
    topicId: partition.topicId,
    partition: partition.partition,
    isr,
    leaderEpoch: partition.leaderEpoch,
    partitionEpoch: changed.partitionEpoch,
  });
  return accept([record], changed);
}

/**
 * The leader leaves the ISR and the leadership: the first remaining ISR member (replica order)
 * that may lead takes over, by the same rules as when a broker is fenced. A last ISR member stays
 * in it without leading, since it may alone hold acknowledged writes (Kafka keeps an ISR non-empty).
 */
function resign(state: MetadataState, partition: PartitionMetadata, topicName: string, newIsr: readonly number[]): Decision<AlteredPartition> {
  const canLead = (id: number): boolean => id !== partition.leader && isUsableBroker(state, id);
  const outcome = electLeader(partition, inReplicaOrder(partition, newIsr), { canLead, uncleanLeaderElection: uncleanLeaderElectionEnabled(state, topicName) });
  const record = partitionChange(partition, outcome);
  if (record === undefined) return accept([], partition);
  const leaderChanged = outcome.leader !== partition.leader;
  const changed: PartitionMetadata = {
    ...partition,
    leader: outcome.leader,
    isr: [...outcome.isr],
    leaderEpoch: partition.leaderEpoch + (leaderChanged ? 1 : 0),
    partitionEpoch: partition.partitionEpoch + 1,
  };
  return accept([record], changed);
}
