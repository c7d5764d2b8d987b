import { SeededRandom, seedFromEnv } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { topicPartitionKey } from '../../cluster/index.js';
import type { TopicPartition } from '../../topic-partition.js';
import { cooperativeStickyAssignor, stickyTargetAssignment, withholdMovedPartitions } from './cooperative-sticky.js';
import { rangeAssignor } from './range.js';
import { roundRobinAssignor } from './round-robin.js';
import type { AssignmentInput, AssignorMember, GroupAssignment } from './types.js';

const SEED = seedFromEnv(20261122);
const ROUNDS = 300;

function randomInput(random: SeededRandom, sameSubscription: boolean): AssignmentInput {
  const topicCount = random.int(1, 4);
  const partitionsPerTopic = new Map<string, number>();
  for (let t = 0; t < topicCount; t++) partitionsPerTopic.set(`t${t}`, random.int(1, 24));
  const topics = [...partitionsPerTopic.keys()];
  const members: AssignorMember[] = Array.from({ length: random.int(1, 9) }, (_, i) => ({
    memberId: `m${i}-${random.int(0, 999)}`,
    topics: sameSubscription ? topics : topics.filter((_, t) => t === i % topicCount || random.chance(0.5)),
    ownedPartitions: [],
    generationId: -1,
  }));
  return { members, partitionsPerTopic };
}

function all(input: AssignmentInput): string[] {
  const topics = new Set(input.members.flatMap((m) => m.topics));
  return [...topics].flatMap((t) => Array.from({ length: input.partitionsPerTopic.get(t) ?? 0 }, (_, p) => topicPartitionKey(t, p)));
}

function keys(list: readonly TopicPartition[]): string[] {
  return list.map((tp) => topicPartitionKey(tp.topic, tp.partition));
}

/** Every subscribed partition exactly once, each to a member subscribed to its topic. */
function expectComplete(input: AssignmentInput, assignment: GroupAssignment, seed: number): void {
  const seen = [...assignment.values()].flatMap(keys);
  expect(new Set(seen).size, `seed ${seed}: a partition assigned twice`).toBe(seen.length);
  expect([...seen].sort(), `seed ${seed}: partitions missing`).toEqual(all(input).sort());
  for (const member of input.members) {
    for (const tp of assignment.get(member.memberId)!) expect(member.topics, `seed ${seed}`).toContain(tp.topic);
  }
}

function spread(assignment: GroupAssignment): number {
  const sizes = [...assignment.values()].map((l) => l.length);
  return Math.max(...sizes) - Math.min(...sizes);
}

describe('assignors (property tests)', () => {
  it(`range: complete, and balanced within 1 per topic (seed ${SEED})`, () => {
    const random = new SeededRandom(SEED);
    for (let round = 0; round < ROUNDS; round++) {
      const input = randomInput(random, round % 2 === 0);
      const assignment = rangeAssignor.assign(input);
      expectComplete(input, assignment, SEED);
      for (const [topic] of input.partitionsPerTopic) {
        const subscribers = input.members.filter((m) => m.topics.includes(topic));
        if (subscribers.length === 0) continue;
        const counts = subscribers.map((m) => assignment.get(m.memberId)!.filter((tp) => tp.topic === topic).length);
        expect(Math.max(...counts) - Math.min(...counts), `seed ${SEED} round ${round}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it(`roundrobin and cooperative-sticky: complete and balanced within 1 for identical subscriptions (seed ${SEED})`, () => {
    const random = new SeededRandom(SEED + 1);
    for (let round = 0; round < ROUNDS; round++) {
      const input = randomInput(random, true);
      for (const assignment of [roundRobinAssignor.assign(input), stickyTargetAssignment(input)]) {
        expectComplete(input, assignment, SEED);
        expect(spread(assignment), `seed ${SEED} round ${round}`).toBeLessThanOrEqual(1);
      }
    }
  });

  it(`cooperative-sticky: complete for mixed subscriptions (seed ${SEED})`, () => {
    const random = new SeededRandom(SEED + 2);
    for (let round = 0; round < ROUNDS; round++) {
      const input = randomInput(random, false);
      expectComplete(input, stickyTargetAssignment(input), SEED);
    }
  });

  it(`cooperative-sticky: members join and leave; moves are minimal, never to two owners at once, and converge (seed ${SEED})`, () => {
    const random = new SeededRandom(SEED + 3);
    for (let round = 0; round < 100; round++) {
      const partitionsPerTopic = new Map([
        ['a', random.int(1, 30)],
        ['b', random.int(0, 10)],
      ]);
      const topics = ['a', 'b'];
      let owned = new Map<string, TopicPartition[]>();
      let nextId = 0;
      let generation = 0;
      const initial = random.int(1, 6);
      for (let i = 0; i < initial; i++) owned.set(`m${nextId++}`, []);
      for (let change = 0; change < 8; change++) {
        // A member joins or leaves (a leaving member's partitions are simply unowned).
        if (owned.size > 1 && random.chance(0.4)) owned.delete(random.pick([...owned.keys()]));
        else owned.set(`m${nextId++}`, []);
        const total = [...partitionsPerTopic.values()].reduce((s, n) => s + n, 0);
        const ownedBefore = new Map(owned);
        // Rebalance rounds until the assignment is stable (KIP-429: at most two).
        for (let rebalance = 0; ; rebalance++) {
          expect(rebalance, `seed ${SEED}: did not converge`).toBeLessThan(3);
          generation++;
          const input: AssignmentInput = {
            partitionsPerTopic,
            members: [...owned].map(([memberId, partitions]) => ({
              memberId,
              topics,
              ownedPartitions: partitions,
              generationId: generation - 1,
            })),
          };
          const result = cooperativeStickyAssignor.assign(input);
          // Never a partition given to a member while another member still owns it.
          for (const [memberId, partitions] of result) {
            for (const tp of partitions) {
              const holder = [...owned].find(([, list]) => keys(list).includes(topicPartitionKey(tp.topic, tp.partition)));
              expect(holder === undefined || holder[0] === memberId, `seed ${SEED}: ${tp.topic}-${tp.partition} to two owners`).toBe(true);
            }
          }
          const next = new Map([...result].map(([id, list]) => [id, [...list]]));
          const stable = [...next].every(([id, list]) => keys(list).join() === keys(owned.get(id) ?? []).join());
          owned = next;
          if (stable) break;
        }
        // Converged: complete and balanced.
        const final: AssignmentInput = {
          partitionsPerTopic,
          members: [...owned.keys()].map((memberId) => ({ memberId, topics, ownedPartitions: [], generationId: -1 })),
        };
        expectComplete(final, owned, SEED);
        expect(spread(owned), `seed ${SEED}`).toBeLessThanOrEqual(1);
        // Stickiness: a member that stayed loses only what balance requires.
        const quota = Math.ceil(total / owned.size);
        for (const [id, before] of ownedBefore) {
          const after = new Set(keys(owned.get(id) ?? []));
          const kept = keys(before).filter((k) => after.has(k)).length;
          expect(kept, `seed ${SEED}: ${id} lost more than needed`).toBeGreaterThanOrEqual(Math.min(before.length, quota - 1));
        }
      }
    }
  });

  it('cooperative-sticky: a new member takes only the surplus of the others', () => {
    const partitionsPerTopic = new Map([['t', 12]]);
    const owned = (from: number, to: number): TopicPartition[] =>
      Array.from({ length: to - from }, (_, i) => ({ topic: 't', partition: from + i }));
    const input: AssignmentInput = {
      partitionsPerTopic,
      members: [
        { memberId: 'a', topics: ['t'], ownedPartitions: owned(0, 4), generationId: 1 },
        { memberId: 'b', topics: ['t'], ownedPartitions: owned(4, 8), generationId: 1 },
        { memberId: 'c', topics: ['t'], ownedPartitions: owned(8, 12), generationId: 1 },
        { memberId: 'd', topics: ['t'], ownedPartitions: [], generationId: -1 },
      ],
    };
    const target = stickyTargetAssignment(input);
    expect([...target.values()].map((l) => l.length)).toEqual([3, 3, 3, 3]);
    // Each old member keeps 3 of its 4 and gives one up.
    for (const [id, from] of [['a', 0], ['b', 4], ['c', 8]] as const) {
      expect(keys(target.get(id)!).every((k) => keys(owned(from, from + 4)).includes(k))).toBe(true);
    }
    const first = withholdMovedPartitions(input, target);
    expect(first.get('d')).toEqual([]);
    expect(first.get('a')).toEqual(target.get('a'));
  });

  it('validates owned claims: gone topics, unsubscribed topics and stale generations lose', () => {
    const input: AssignmentInput = {
      partitionsPerTopic: new Map([['t', 2]]),
      members: [
        { memberId: 'a', topics: ['t'], ownedPartitions: [{ topic: 't', partition: 0 }, { topic: 't', partition: 5 }], generationId: 3 },
        { memberId: 'b', topics: ['t'], ownedPartitions: [{ topic: 't', partition: 0 }, { topic: 'gone', partition: 0 }], generationId: 4 },
      ],
    };
    const target = stickyTargetAssignment(input);
    expect(target.get('b')).toEqual([{ topic: 't', partition: 0 }]);
    expect(target.get('a')).toEqual([{ topic: 't', partition: 1 }]);
  });
});
