// AlterPartitionReassignments: partitions move to new replica sets as in KIP-455. A move starts
// with replicas = target followed by the replicas to remove; the new ones join as followers and
// catch up, the leader adds them to the ISR (AlterPartition), and once every target replica is
// in the ISR the move completes in the same decision: the removed replicas leave, and a leader
// that is not in the target hands over to the first target replica in the ISR. Everything lives
// in the metadata log, so a new active controller carries on where the old one stopped.
//
// A request is all or nothing: when any partition of it is refused, nothing moves, so an
// operator never has half a plan running.
import { ErrorCode } from '@quill/proto';
import {
  type MetadataRecord,
  type MetadataState,
  NO_LEADER,
  type PartitionMetadata,
  isUsableBroker,
  partitionChangeRecord,
  partitionsOf,
  topicByName,
  topicsSortedByName,
} from '@quill/metadata';
import { accept, type Accepted } from './decision.js';
import { electLeader } from './partition-leadership.js';

export interface ReassignmentRequest {
  readonly topic: string;
  readonly partition: number;
  /** The target replicas, preferred leader first; undefined cancels the partition's move. */
  readonly replicas: readonly number[] | undefined;
}

export interface ReassignmentResult {
  readonly topic: string;
  readonly partition: number;
  /** NONE when the move started, completed at once, was cancelled, or was not needed. */
  readonly errorCode: ErrorCode;
  readonly errorMessage?: string;
}

export interface OngoingReassignment {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
  readonly adding: readonly number[];
  readonly removing: readonly number[];
}

type Refusal = { readonly errorCode: ErrorCode; readonly errorMessage: string };
type PartitionMove = { readonly before: PartitionMetadata; readonly after: PartitionMetadata } | Refusal;

function isRefusal(move: PartitionMove): move is Refusal {
  return 'errorCode' in move;
}

/** The replicas a partition had before its move started, in their order (its replicas when it is not moving). */
export function originalReplicas(partition: PartitionMetadata): readonly number[] {
  return partition.reassignment?.original ?? partition.replicas;
}

/** The replicas a partition ends up with (its replicas when it is not moving). */
export function targetReplicas(partition: PartitionMetadata): number[] {
  const removing = partition.reassignment?.removing ?? [];
  return partition.replicas.filter((id) => !removing.includes(id));
}

function inOrder(order: readonly number[], members: readonly number[]): number[] {
  return order.filter((id) => members.includes(id));
}

/**
 * The partition with its replica set settled on `replicas` (no move in progress): the ISR keeps
 * only those replicas, and a leader outside them gives way to the first of them in the ISR that
 * may lead. Undefined when none of them is in the ISR, or when the leader would have to go and no
 * in-sync one of them may take over: the move then waits rather than leave the partition
 * leaderless. Never an unclean election: a move must not throw away in-sync data.
 */
function settle(state: MetadataState, partition: PartitionMetadata, replicas: readonly number[]): PartitionMetadata | undefined {
  const isr = inOrder(replicas, partition.isr);
  if (isr.length === 0) return undefined;
  const { reassignment: _settled, ...rest } = partition;
  const settled: PartitionMetadata = { ...rest, replicas: [...replicas], isr };
  const leaderStays = replicas.includes(partition.leader);
  const rules = { canLead: (id: number): boolean => id !== partition.leader && isUsableBroker(state, id), uncleanLeaderElection: false };
  const outcome = leaderStays || partition.leader === NO_LEADER ? { leader: partition.leader, isr } : electLeader(settled, isr, rules);
  if (outcome.leader === NO_LEADER && partition.leader !== NO_LEADER) return undefined;
  return {
    ...settled,
    leader: outcome.leader,
    isr: [...outcome.isr],
    leaderEpoch: partition.leaderEpoch + (outcome.leader !== partition.leader ? 1 : 0),
    partitionEpoch: partition.partitionEpoch + 1,
  };
}

/**
 * The partition after its move completes, when every target replica is in the ISR; the
 * partition itself otherwise (or when it is not moving).
 */
export function completeIfCaughtUp(state: MetadataState, partition: PartitionMetadata): PartitionMetadata {
  if (partition.reassignment === undefined) return partition;
  const target = targetReplicas(partition);
  if (!target.every((id) => partition.isr.includes(id))) return partition;
  return settle(state, partition, target) ?? partition;
}

/** The PartitionChangeRecord that takes `before` to `after` (epochs as in `after`). */
export function partitionChangeBetween(before: PartitionMetadata, after: PartitionMetadata): MetadataRecord {
  const same = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((id, i) => id === b[i]);
  const reassignmentChanged = JSON.stringify(before.reassignment ?? null) !== JSON.stringify(after.reassignment ?? null);
  return partitionChangeRecord({
    topicId: after.topicId,
    partition: after.partition,
    ...(after.leader !== before.leader ? { leader: after.leader } : {}),
    ...(same(after.isr, before.isr) ? {} : { isr: after.isr }),
    ...(same(after.replicas, before.replicas) ? {} : { replicas: after.replicas }),
    ...(reassignmentChanged ? { reassignment: after.reassignment ?? null } : {}),
    leaderEpoch: after.leaderEpoch,
    partitionEpoch: after.partitionEpoch,
  });
}

function startMove(state: MetadataState, partition: PartitionMetadata, target: readonly number[], where: string): PartitionMove {
  if (target.length === 0) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `${where}: the replica list is empty.` };
  const twice = target.find((id, i) => target.indexOf(id) !== i);
  if (twice !== undefined) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `${where}: broker ${twice} is named twice.` };
  const unknown = target.find((id) => !state.brokers.has(id));
  if (unknown !== undefined) return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `${where}: broker ${unknown} is not registered.` };
  if (partition.reassignment !== undefined) {
    return {
      errorCode: ErrorCode.REASSIGNMENT_IN_PROGRESS,
      errorMessage: `${where} is already moving to [${targetReplicas(partition).join(',')}]; cancel that move first.`,
    };
  }
  const adding = target.filter((id) => !partition.replicas.includes(id));
  const removing = partition.replicas.filter((id) => !target.includes(id));
  if (adding.length === 0 && removing.length === 0 && target.every((id, i) => id === partition.replicas[i])) return { before: partition, after: partition };
  const moving: PartitionMetadata = {
    ...partition,
    replicas: [...target, ...removing],
    reassignment: { adding, removing, original: partition.replicas },
    partitionEpoch: partition.partitionEpoch + 1,
  };
  // A reorder, or a move whose target replicas are all in sync already, completes at once.
  const completed = completeIfCaughtUp(state, moving);
  if (completed !== moving) return { before: partition, after: completed };
  if (adding.length === 0 && removing.length === 0) {
    const { reassignment: _none, ...reordered } = moving;
    return { before: partition, after: reordered };
  }
  return { before: partition, after: moving };
}

function cancelMove(state: MetadataState, partition: PartitionMetadata, where: string): PartitionMove {
  if (partition.reassignment === undefined) return { errorCode: ErrorCode.NO_REASSIGNMENT_IN_PROGRESS, errorMessage: `${where} is not moving.` };
  const restored = settle(state, partition, originalReplicas(partition));
  if (restored === undefined) {
    return { errorCode: ErrorCode.INVALID_REPLICA_ASSIGNMENT, errorMessage: `${where}: no replica of the original set is in sync and able to lead, so the move cannot be undone now.` };
  }
  return { before: partition, after: restored };
}

function decideOne(state: MetadataState, request: ReassignmentRequest): PartitionMove {
  const where = `${request.topic}/${request.partition}`;
  const topic = topicByName(state, request.topic);
  if (topic === undefined) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${request.topic}' does not exist.` };
  const partition = topic.partitions.get(request.partition);
  if (partition === undefined) {
    return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${request.topic}' has no partition ${request.partition}.` };
  }
  return request.replicas === undefined ? cancelMove(state, partition, where) : startMove(state, partition, request.replicas, where);
}

/** Starts or cancels the requested moves, all of them or (when any is refused) none. */
export function alterPartitionReassignments(state: MetadataState, requests: readonly ReassignmentRequest[]): Accepted<ReassignmentResult[]> {
  const seen = new Set<string>();
  const moves = requests.map((request): PartitionMove => {
    const key = `${request.topic}/${request.partition}`;
    if (seen.has(key)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: `${key} is named twice in the request.` };
    seen.add(key);
    return decideOne(state, request);
  });
  const refused = moves.some(isRefusal);
  const results = requests.map(({ topic, partition }, i): ReassignmentResult => {
    const move = moves[i]!;
    if (isRefusal(move)) return { topic, partition, ...move };
    if (refused) return { topic, partition, errorCode: ErrorCode.OPERATION_NOT_ATTEMPTED, errorMessage: 'Another partition of the request was refused; nothing moved.' };
    return { topic, partition, errorCode: ErrorCode.NONE };
  });
  if (refused) return accept([], results);
  const records = moves.flatMap((move) => (isRefusal(move) || move.after === move.before ? [] : [partitionChangeBetween(move.before, move.after)]));
  return accept(records, results);
}

/** The moves in progress, of the listed partitions or (undefined) of every partition. */
export function listPartitionReassignments(
  state: MetadataState,
  targets: ReadonlyArray<{ topic: string; partition: number }> | undefined,
): OngoingReassignment[] {
  const describe = (topic: string, partition: PartitionMetadata): OngoingReassignment[] =>
    partition.reassignment === undefined
      ? []
      : [{ topic, partition: partition.partition, replicas: partition.replicas, adding: partition.reassignment.adding, removing: partition.reassignment.removing }];
  if (targets === undefined) return topicsSortedByName(state).flatMap((topic) => partitionsOf(topic).flatMap((p) => describe(topic.name, p)));
  return targets.flatMap(({ topic, partition }) => {
    const found = topicByName(state, topic)?.partitions.get(partition);
    return found === undefined ? [] : describe(topic, found);
  });
}
