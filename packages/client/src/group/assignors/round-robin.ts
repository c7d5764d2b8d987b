import { emptyAssignment, sortedMembers, subscribedTopics, type AssignmentInput, type GroupAssignment, type PartitionAssignor } from './types.js';

/**
 * Kafka's RoundRobinAssignor: every partition of every subscribed topic in order, dealt to
 * the members in turn, skipping members not subscribed to the partition's topic.
 */
export const roundRobinAssignor: PartitionAssignor = {
  name: 'roundrobin',
  rebalanceProtocol: 'eager',
  assign(input: AssignmentInput): GroupAssignment {
    const assignment = emptyAssignment(input.members);
    const members = sortedMembers(input.members);
    if (members.length === 0) return assignment;
    let turn = 0;
    for (const topic of subscribedTopics(input)) {
      const count = input.partitionsPerTopic.get(topic)!;
      for (let partition = 0; partition < count; partition++) {
        // Some member subscribes to the topic (subscribedTopics), so this ends within one round.
        while (!members[turn % members.length]!.topics.includes(topic)) turn++;
        assignment.get(members[turn % members.length]!.memberId)!.push({ topic, partition });
        turn++;
      }
    }
    return assignment;
  },
};
