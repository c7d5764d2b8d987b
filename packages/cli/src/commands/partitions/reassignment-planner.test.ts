import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@quill/random';
import { changedPartitions, planReassignment, type CurrentPartition } from './reassignment-planner.js';

const topic = (name: string, lists: number[][]): CurrentPartition[] => lists.map((replicas, partition) => ({ topic: name, partition, replicas }));
const loads = (plan: ReadonlyArray<{ replicas: number[] }>): Map<number, number> => {
  const m = new Map<number, number>();
  for (const p of plan) for (const b of p.replicas) m.set(b, (m.get(b) ?? 0) + 1);
  return m;
};

describe('planReassignment', () => {
  it('onto a new broker: moves only its share, spreads preferred leaders, keeps every partition on distinct brokers', () => {
    const current = topic('t', [[1, 2, 3], [2, 3, 1], [3, 1, 2], [1, 3, 2]]);
    const plan = planReassignment({ partitions: current, brokers: [1, 2, 3, 4], racks: new Map() });
    expect([...loads(plan).values()]).toEqual([3, 3, 3, 3]);
    for (const p of plan) expect(new Set(p.replicas).size).toBe(3);
    // 12 replicas over 4 brokers: exactly 3 move (to broker 4), no more.
    const moved = plan.reduce((n, p, i) => n + p.replicas.filter((b) => !current[i]!.replicas.includes(b)).length, 0);
    expect(moved).toBe(3);
    expect(new Set(plan.map((p) => p.replicas[0])).size).toBe(4);
  });

  it('off a leaving broker: every replica on it moves, nothing else does', () => {
    const current = topic('t', [[1, 2, 4], [2, 4, 3], [4, 3, 1], [3, 1, 2]]);
    const plan = planReassignment({ partitions: current, brokers: [1, 2, 3], racks: new Map() });
    expect(plan.flatMap((p) => p.replicas)).not.toContain(4);
    expect(changedPartitions(current, plan).map((p) => p.partition)).toEqual([0, 1, 2]);
    expect(plan[3]!.replicas).toEqual([3, 1, 2]);
  });

  it('without balancing (a decommission): only the replicas on the leaving broker move, in place', () => {
    const current = topic('t', [[4, 1, 2], [1, 2, 3], [2, 4, 1]]);
    const plan = planReassignment({ partitions: current, brokers: [1, 2, 3], racks: new Map(), balance: false });
    expect(plan.map((p) => p.replicas)).toEqual([[3, 1, 2], [1, 2, 3], [2, 3, 1]]);
  });

  it('rack-aware: a replica that must move goes to a rack the partition does not use yet', () => {
    const racks = new Map([[1, 'a'], [2, 'a'], [3, 'b'], [4, 'c'], [5, 'b']]);
    const plan = planReassignment({ partitions: topic('t', [[1, 3, 5]]), brokers: [1, 2, 3, 4], racks });
    expect(plan[0]!.replicas).toEqual([1, 3, 4]);
  });

  it('is deterministic and never puts two replicas of a partition on one broker (seeded random layouts)', () => {
    const seed = 4242;
    const random = new SeededRandom(seed);
    for (let round = 0; round < 200; round++) {
      const brokerCount = 3 + random.int(0, 3);
      const rf = 1 + random.int(0, 2);
      const lists = Array.from({ length: 1 + random.int(0, 11) }, () => {
        const ids = Array.from({ length: brokerCount + 2 }, (_, i) => i + 1);
        for (let i = ids.length - 1; i > 0; i--) {
          const j = random.int(0, i);
          [ids[i], ids[j]] = [ids[j]!, ids[i]!];
        }
        return ids.slice(0, rf);
      });
      const input = { partitions: topic('t', lists), brokers: Array.from({ length: brokerCount }, (_, i) => i + 1), racks: new Map<number, string>() };
      const plan = planReassignment(input);
      expect(plan, `seed ${seed} round ${round}`).toEqual(planReassignment(input));
      for (const p of plan) {
        expect(new Set(p.replicas).size, `seed ${seed} round ${round}`).toBe(rf);
        expect(p.replicas.every((b) => b >= 1 && b <= brokerCount), `seed ${seed} round ${round}`).toBe(true);
      }
      const counts = [...loads(plan).values()];
      expect(Math.max(...counts) - Math.min(...counts), `seed ${seed} round ${round}`).toBeLessThanOrEqual(1);
    }
  });

  it('refuses more replicas than brokers', () => {
    expect(() => planReassignment({ partitions: topic('t', [[1, 2, 3]]), brokers: [1, 2], racks: new Map() })).toThrow('only 2 brokers');
  });
});
