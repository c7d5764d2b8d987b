import { emptyAssignment, sortedMembers, subscribedTopics, type AssignmentInput, type GroupAssignment, type PartitionAssignor } from './types.js';

/**
 * Kafka's RangeAssignor: per topic, the partitions are cut into consecutive ranges, one per
 * subscribed member in order; the first `partitions % members` members get one more.
 */
export const rangeAssignor: PartitionAssignor = {
  name: 'range',
  rebalanceProtocol: 'eager',
  assign(input: AssignmentInput): GroupAssignment {
    const assignment = emptyAssignment(input.members);
    for (const topic of subscribedTopics(input)) {
      const members = sortedMembers(input.members.filter((m) => m.topics.includes(topic)));
      const count = input.partitionsPerTopic.get(topic)!;
      const base = Math.floor(count / members.length);
      const extra = count % members.length;
      let next = 0;
      members.forEach((member, i) => {
        const take = base + (i < extra ? 1 : 0);
        for (let p = next; p < next + take; p++) assignment.get(member.memberId)!.push({ topic, partition: p });
        next += take;
      });
    }
    return assignment;
  },
};
