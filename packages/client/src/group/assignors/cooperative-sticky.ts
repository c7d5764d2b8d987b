import type { TopicPartition } from '../../topic-partition.js';
import { topicPartitionKey } from '../../cluster/index.js';
import {
  emptyAssignment,
  sortedMembers,
  subscribedTopics,
  type AssignmentInput,
  type AssignorMember,
  type GroupAssignment,
  type PartitionAssignor,
} from './types.js';

/**
 * The balanced assignment that moves the fewest partitions from where the members say they
 * are: every member keeps its valid owned partitions, unowned ones go to the least loaded
 * eligible member, then single partitions move from the most to the least loaded member until
 * no two eligible members differ by more than one.
 *
 * An owned claim is valid when the partition exists and its owner still subscribes to the
 * topic; of two members claiming one partition the one with the newer generation keeps it.
 */
export function stickyTargetAssignment(input: AssignmentInput): GroupAssignment {
  const members = sortedMembers(input.members);
  const assignment = emptyAssignment(members);
  const owner = new Map<string, { member: AssignorMember; generationId: number }>();
  for (const member of members) {
    for (const { topic, partition } of member.ownedPartitions) {
      const count = input.partitionsPerTopic.get(topic) ?? 0;
      if (!member.topics.includes(topic) || partition < 0 || partition >= count) continue;
      const key = topicPartitionKey(topic, partition);
      const current = owner.get(key);
      if (!current || member.generationId > current.generationId) owner.set(key, { member, generationId: member.generationId });
    }
  }
  const all: TopicPartition[] = subscribedTopics(input).flatMap((topic) =>
    Array.from({ length: input.partitionsPerTopic.get(topic)! }, (_, partition) => ({ topic, partition })),
  );
  const unowned: TopicPartition[] = [];
  for (const tp of all) {
    const claim = owner.get(topicPartitionKey(tp.topic, tp.partition));
    if (claim) assignment.get(claim.member.memberId)!.push(tp);
    else unowned.push(tp);
  }
  const load = (m: AssignorMember): number => assignment.get(m.memberId)!.length;
  for (const tp of unowned) {
    const eligible = members.filter((m) => m.topics.includes(tp.topic));
    const least = eligible.reduce((best, m) => (load(m) < load(best) ? m : best));
    assignment.get(least.memberId)!.push(tp);
  }
  // Each move lowers the sum of squared loads, so this ends; the bound is a guard only.
  for (let moves = 0; moves <= all.length * members.length; moves++) {
    const move = findMove(members, assignment);
    if (!move) break;
    const list = assignment.get(move.from)!;
    list.splice(list.indexOf(move.partition), 1);
    assignment.get(move.to)!.push(move.partition);
  }
  for (const list of assignment.values()) list.sort(comparePartitions);
  return assignment;
}

/** A partition the most loaded member can hand to a member with at least two fewer. */
function findMove(
  members: readonly AssignorMember[],
  assignment: GroupAssignment,
): { from: string; to: string; partition: TopicPartition } | undefined {
  const byLoad = [...members].sort((a, b) => assignment.get(b.memberId)!.length - assignment.get(a.memberId)!.length);
  for (const from of byLoad) {
    const given = assignment.get(from.memberId)!;
    for (const to of [...byLoad].reverse()) {
      if (assignment.get(to.memberId)!.length + 1 >= given.length) break;
      // The last partitions are the ones handed out most recently: moving them keeps older ownership.
      const partition = [...given].reverse().find((tp) => to.topics.includes(tp.topic));
      if (partition) return { from: from.memberId, to: to.memberId, partition };
    }
  }
  return undefined;
}

/**
 * KIP-429's rule: a partition that changes owner is left unassigned in this generation, so
 * its old owner revokes it (committing first) and rejoins; the next generation hands it to
 * the new owner. No partition is ever owned by two members at once.
 */
export function withholdMovedPartitions(input: AssignmentInput, target: GroupAssignment): GroupAssignment {
  const ownedBy = new Map<string, string>();
  for (const member of input.members) {
    for (const { topic, partition } of member.ownedPartitions) ownedBy.set(topicPartitionKey(topic, partition), member.memberId);
  }
  const memberIds = new Set(input.members.map((m) => m.memberId));
  const result: GroupAssignment = new Map();
  for (const [memberId, partitions] of target) {
    result.set(
      memberId,
      partitions.filter(({ topic, partition }) => {
        const previous = ownedBy.get(topicPartitionKey(topic, partition));
        return previous === undefined || previous === memberId || !memberIds.has(previous);
      }),
    );
  }
  return result;
}

/** Kafka's CooperativeStickyAssignor: balanced, sticky, and incremental (see withholdMovedPartitions). */
export const cooperativeStickyAssignor: PartitionAssignor = {
  name: 'cooperative-sticky',
  rebalanceProtocol: 'cooperative',
  assign(input: AssignmentInput): GroupAssignment {
    return withholdMovedPartitions(input, stickyTargetAssignment(input));
  },
};

function comparePartitions(a: TopicPartition, b: TopicPartition): number {
  return a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition;
}
