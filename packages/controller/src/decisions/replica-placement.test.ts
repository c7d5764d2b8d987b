import { ErrorCode } from '@quill/proto';
import { SeededRandom } from '@quill/random';
import { describe, expect, it } from 'vitest';
import { partitionsOf, topicsSortedByName } from '@quill/metadata';
import { forEachSeed, MetadataCluster, seededUuids } from '../test-support/metadata-cluster.js';
import { createTopic } from './create-topics.js';
import { placeReplicas, type BrokerLoad, type PlacementBroker } from './replica-placement.js';

function spread(values: readonly number[]): number {
  return Math.max(...values) - Math.min(...values);
}

function rackCounts(replicas: readonly number[], rackOf: (id: number) => string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const id of replicas) counts.set(rackOf(id), (counts.get(rackOf(id)) ?? 0) + 1);
  return counts;
}

interface RackLayout {
  readonly rackOf: (brokerId: number) => string;
  readonly sizes: ReadonlyMap<string, number>;
}

function rackLayout(brokers: readonly PlacementBroker[]): RackLayout {
  const racks = new Map(brokers.map((b) => [b.brokerId, b.rack ?? '']));
  const rackOf = (id: number): string => racks.get(id)!;
  return { rackOf, sizes: rackCounts([...racks.keys()], rackOf) };
}

/** Racks used as evenly as their sizes allow: distinct when racks >= RF, never 2 apart otherwise. */
function rackSpreadProblem(replicas: readonly number[], { rackOf, sizes }: RackLayout): string | undefined {
  const counts = rackCounts(replicas, rackOf);
  const notFull = [...sizes.keys()].filter((rack) => (counts.get(rack) ?? 0) < sizes.get(rack)!);
  const lowest = Math.min(...notFull.map((rack) => counts.get(rack) ?? 0));
  const uneven = [...counts.values()].some((count) => count - lowest > 1);
  const shared = sizes.size >= replicas.length && counts.size !== replicas.length;
  return uneven || shared ? `replicas ${replicas.join(',')} are not spread over racks` : undefined;
}

/**
 * Every load pattern placement can reach from an empty cluster, by breadth-first search over
 * requests of every replication factor. Loads are kept relative to the least loaded broker, so
 * the search is finite; any pattern with a broker 2 ahead of another is a balance violation.
 */
function exploreReachableLoads(brokers: readonly PlacementBroker[]): { patterns: number; violation?: string } {
  const n = brokers.length;
  const racks = rackLayout(brokers);
  const key = (loads: readonly BrokerLoad[]): string => loads.map((l) => `${l.replicas}/${l.leaders}`).join(' ');
  const start = brokers.map(() => ({ replicas: 0, leaders: 0 }));
  const seen = new Set([key(start)]);
  const queue: BrokerLoad[][] = [start];
  for (let head = 0; head < queue.length; head++) {
    const loads = queue[head]!;
    for (let replicationFactor = 1; replicationFactor <= n; replicationFactor++) {
      const current = new Map(brokers.map((b, i) => [b.brokerId, loads[i]!]));
      const [replicas] = placeReplicas(brokers, current, 1, replicationFactor);
      if (new Set(replicas).size !== replicationFactor) return { patterns: seen.size, violation: `replicas ${replicas!.join(',')}` };
      const rackProblem = rackSpreadProblem(replicas!, racks);
      if (rackProblem !== undefined) return { patterns: seen.size, violation: rackProblem };
      const next = brokers.map((b, i) => ({
        replicas: loads[i]!.replicas + (replicas!.includes(b.brokerId) ? 1 : 0),
        leaders: loads[i]!.leaders + (replicas![0] === b.brokerId ? 1 : 0),
      }));
      const minReplicas = Math.min(...next.map((l) => l.replicas));
      const minLeaders = Math.min(...next.map((l) => l.leaders));
      const relative = next.map((l) => ({ replicas: l.replicas - minReplicas, leaders: l.leaders - minLeaders }));
      if (relative.some((l) => l.replicas > 1 || l.leaders > 1)) {
        return { patterns: seen.size, violation: `from ${key(loads)} with RF ${replicationFactor} to ${key(relative)}` };
      }
      const k = key(relative);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(relative);
      }
    }
  }
  return { patterns: seen.size };
}

function layout(brokerCount: number, rackCount: number, interleaved: boolean): PlacementBroker[] {
  return Array.from({ length: brokerCount }, (_, i) => ({
    brokerId: i + 1,
    rack: rackCount === 0 ? undefined : `rack-${interleaved ? i % rackCount : Math.floor((i * rackCount) / brokerCount)}`,
  }));
}

describe('replica placement', () => {
  it('keeps replica and leader counts within 1 over every reachable load pattern (exhaustive, up to 9 brokers)', () => {
    for (let brokerCount = 1; brokerCount <= 9; brokerCount++) {
      // No racks (one rack behaves the same), or racks of equal size.
      for (const rackCount of [0, 2, 3]) {
        if (rackCount > brokerCount || (rackCount > 0 && brokerCount % rackCount !== 0)) continue;
        for (const interleaved of rackCount === 0 ? [true] : [true, false]) {
          const result = exploreReachableLoads(layout(brokerCount, rackCount, interleaved));
          expect(result.violation, `${brokerCount} brokers, ${rackCount} racks`).toBeUndefined();
          expect(result.patterns).toBeGreaterThan(0);
        }
      }
    }
  });

  it('stays balanced over many topic creations on random clusters (1-9 brokers, 1-3 racks)', () => {
    forEachSeed(200, (seed) => {
      const random = new SeededRandom(seed);
      const cluster = new MetadataCluster(seededUuids(random.fork()));
      const brokerCount = random.int(1, 9);
      const rackCount = random.int(1, 3);
      const racks = Array.from({ length: brokerCount }, (_, i) => `rack-${i < rackCount ? i : random.int(0, rackCount - 1)}`);
      racks.forEach((rack, i) => cluster.addBroker(i + 1, rack));
      const brokers = racks.map((rack, i) => ({ brokerId: i + 1, rack }));
      const topicCount = random.int(5, 40);
      for (let t = 0; t < topicCount; t++) {
        cluster.expect(
          createTopic(
            cluster.state,
            {
              name: `topic-${t}`,
              numPartitions: random.int(1, 12),
              replicationFactor: random.int(1, Math.min(brokerCount, 4)),
              assignments: [],
              configs: {},
            },
            cluster.topicContext,
          ),
        );
      }
      const layoutOfRacks = rackLayout(brokers);
      const replicaCount = new Map(brokers.map((b) => [b.brokerId, 0]));
      const leaderCount = new Map(brokers.map((b) => [b.brokerId, 0]));
      for (const topic of topicsSortedByName(cluster.state)) {
        for (const partition of partitionsOf(topic)) {
          expect(rackSpreadProblem(partition.replicas, layoutOfRacks)).toBeUndefined();
          for (const id of partition.replicas) replicaCount.set(id, replicaCount.get(id)! + 1);
          leaderCount.set(partition.replicas[0]!, leaderCount.get(partition.replicas[0]!)! + 1);
          expect(partition.leader).toBe(partition.replicas[0]);
        }
      }
      const rackSizes = rackCounts(brokers.map((b) => b.brokerId), (id) => racks[id - 1]!);
      const evenRacks = new Set(rackSizes.values()).size === 1;
      // Balanced across the cluster when racks are even; within each rack otherwise (rack spread wins).
      const groups = evenRacks ? [brokers] : [...rackSizes.keys()].map((rack) => brokers.filter((b) => b.rack === rack));
      for (const group of groups) {
        expect(spread(group.map((b) => replicaCount.get(b.brokerId)!))).toBeLessThanOrEqual(1);
        expect(spread(group.map((b) => leaderCount.get(b.brokerId)!))).toBeLessThanOrEqual(1);
      }
    });
  });

  it('balances each topic on its own when the cluster starts empty', () => {
    const brokers = layout(6, 3, true);
    const [first, second] = [placeReplicas(brokers, new Map(), 6, 3), placeReplicas(brokers, new Map(), 12, 2)];
    for (const assignment of [first, second]) {
      const leaders = assignment.map((replicas) => replicas[0]!);
      expect(new Set(leaders).size).toBe(6);
    }
  });

  it('is a pure function of brokers and loads', () => {
    const brokers = layout(5, 2, true);
    const loads = new Map(brokers.map((b, i) => [b.brokerId, { replicas: i % 2, leaders: 0 }]));
    expect(placeReplicas(brokers, loads, 7, 3)).toEqual(placeReplicas(brokers, loads, 7, 3));
  });

  it('refuses a replication factor it cannot honour', () => {
    expect(() => placeReplicas(layout(2, 0, true), new Map(), 1, 3)).toThrow(RangeError);
  });

  it('places only on unfenced brokers that are not shutting down', () => {
    const cluster = new MetadataCluster(seededUuids(new SeededRandom(3)));
    [1, 2, 3, 4].forEach((id) => cluster.addBroker(id));
    cluster.heartbeat(2, { wantFence: true });
    cluster.heartbeat(3, { wantShutdown: true });
    const created = createTopic(
      cluster.state,
      { name: 'only-live', numPartitions: 6, replicationFactor: 2, assignments: [], configs: {} },
      cluster.topicContext,
    );
    cluster.expect(created);
    const topic = topicsSortedByName(cluster.state)[0]!;
    for (const partition of partitionsOf(topic)) expect([...partition.replicas].sort()).toEqual([1, 4]);
    const tooMany = createTopic(
      cluster.state,
      { name: 'too-many', numPartitions: 1, replicationFactor: 3, assignments: [], configs: {} },
      cluster.topicContext,
    );
    expect(tooMany.ok || tooMany.error.code).toBe(ErrorCode.INVALID_REPLICATION_FACTOR);
  });
});
