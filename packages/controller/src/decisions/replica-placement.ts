// Rack-aware replica placement driven by the current load, so repeated creations stay balanced
// (Kafka starts each topic at a random broker and is only balanced on average; starting from
// the existing load makes the guarantee hold across topics).
//
// Guarantees, for placements on a stable set of brokers:
//   - the replicas of a partition are on distinct brokers, spread over as many racks as
//     possible (distinct racks when racks >= RF, never two more on one rack than another);
//   - when every rack has the same number of brokers (or there are no racks), the replica
//     counts of any two brokers differ by at most 1, and so do their leader counts (the
//     leader is replicas[0], the preferred leader);
//   - with racks of different sizes rack spread wins over balance (a lone broker in its rack
//     takes a share of every partition when RF equals the number of racks), and balance holds
//     within each rack instead.
//
// How: racks first, then brokers inside each chosen rack, both with the same rule (chooseUnits).
// The rule keeps two load counts balanced at once. Balance alone is easy (take the least loaded);
// both at once needs the set of least-by-replicas units and the set of least-by-leaders units to
// stay nested (one inside the other): otherwise a request for one replica could be forced onto a
// unit whose leader count is already high. chooseUnits keeps them nested: the leader is a
// least-by-leaders unit taken among the least-by-replicas ones when the request fits in them,
// and followers prefer units that already lead more. An exhaustive search over every reachable
// load pattern (placement.test.ts) checks this for up to 9 brokers and 3 racks.

export interface PlacementBroker {
  readonly brokerId: number;
  readonly rack: string | undefined;
}

export interface BrokerLoad {
  /** Replicas the broker holds. */
  readonly replicas: number;
  /** Partitions whose preferred leader (replicas[0]) it is. */
  readonly leaders: number;
}

/** A broker or a rack, with its load and its size (1 for a broker, its brokers for a rack). */
interface Unit<K> {
  readonly key: K;
  readonly size: number;
  readonly replicas: number;
  readonly leaders: number;
  /** Fixed tie-break order. */
  readonly position: number;
}

/** Compares per-size loads exactly: a/sa against b/sb. */
function compareLoad(a: number, sizeA: number, b: number, sizeB: number): number {
  return a * sizeB - b * sizeA;
}

function byFewestReplicasThenMostLeaders<K>(a: Unit<K>, b: Unit<K>): number {
  return (
    compareLoad(a.replicas, a.size, b.replicas, b.size) ||
    compareLoad(b.leaders, b.size, a.leaders, a.size) ||
    a.position - b.position
  );
}

function byFewestLeadersThenMostReplicas<K>(a: Unit<K>, b: Unit<K>): number {
  return (
    compareLoad(a.leaders, a.size, b.leaders, b.size) ||
    compareLoad(b.replicas, b.size, a.replicas, a.size) ||
    a.position - b.position
  );
}

/**
 * Picks `count` distinct units (count <= units.length) and, when asked, which of them leads.
 * See the file comment for why this order keeps both loads within one of each other.
 */
function chooseUnits<K>(units: readonly Unit<K>[], count: number, withLeader: boolean): { chosen: Unit<K>[]; leader: Unit<K> | undefined } {
  const chosen: Unit<K>[] = [];
  let leader: Unit<K> | undefined;
  if (withLeader) {
    const fewest = units.reduce((min, u) => (compareLoad(u.replicas, u.size, min.replicas, min.size) < 0 ? u : min));
    const leastLoaded = units.filter((u) => compareLoad(u.replicas, u.size, fewest.replicas, fewest.size) === 0);
    const candidates = count <= leastLoaded.length ? leastLoaded : units;
    leader = [...candidates].sort(byFewestLeadersThenMostReplicas)[0]!;
    chosen.push(leader);
  }
  const followers = units.filter((u) => u !== leader).sort(byFewestReplicasThenMostLeaders);
  chosen.push(...followers.slice(0, count - chosen.length));
  return { chosen, leader };
}

const NO_RACK = Symbol('no rack');
type RackKey = string | typeof NO_RACK;

function compareRacks(a: RackKey, b: RackKey): number {
  if (a === b) return 0;
  if (a === NO_RACK) return -1;
  if (b === NO_RACK) return 1;
  return a < b ? -1 : 1;
}

/** How many replicas each rack gets: as even as rack sizes allow; also which rack leads. */
function replicasPerRack(
  racks: readonly Unit<RackKey>[],
  replicationFactor: number,
): { counts: Map<RackKey, number>; leaderRack: RackKey } {
  const counts = new Map<RackKey, number>(racks.map((r) => [r.key, 0]));
  let assigned = 0;
  // Each pass fills one layer: the racks with the fewest replicas so far that still have a free
  // broker. RF <= brokers guarantees a layer until the last replica, which returns.
  for (;;) {
    const open = racks.filter((r) => counts.get(r.key)! < r.size);
    const level = Math.min(...open.map((r) => counts.get(r.key)!));
    const layer = open.filter((r) => counts.get(r.key) === level);
    const remaining = replicationFactor - assigned;
    if (remaining > layer.length) {
      for (const rack of layer) counts.set(rack.key, level + 1);
      assigned += layer.length;
      continue;
    }
    // The last layer decides which racks get one more replica, and the leader.
    const { chosen, leader } = chooseUnits(layer, remaining, true);
    for (const rack of chosen) counts.set(rack.key, level + 1);
    return { counts, leaderRack: leader!.key };
  }
}

/** Replica lists for one partition: leader first, then followers alternating over racks. */
function placeOne(
  brokers: readonly PlacementBroker[],
  loads: Map<number, BrokerLoad>,
  replicationFactor: number,
): number[] {
  const rackKeys = [...new Set(brokers.map((b) => b.rack ?? NO_RACK))].sort(compareRacks);
  const unitOf = (b: PlacementBroker, position: number): Unit<number> => ({
    key: b.brokerId,
    size: 1,
    position,
    ...loads.get(b.brokerId)!,
  });
  const members = new Map<RackKey, Unit<number>[]>(rackKeys.map((k) => [k, []]));
  brokers.forEach((b, position) => members.get(b.rack ?? NO_RACK)!.push(unitOf(b, position)));
  const racks: Unit<RackKey>[] = rackKeys.map((key, position) => {
    const inRack = members.get(key)!;
    return {
      key,
      size: inRack.length,
      position,
      replicas: inRack.reduce((sum, u) => sum + u.replicas, 0),
      leaders: inRack.reduce((sum, u) => sum + u.leaders, 0),
    };
  });
  const { counts, leaderRack } = replicasPerRack(racks, replicationFactor);

  let leader: number | undefined;
  const followersByRack: number[][] = [];
  for (const key of rackKeys) {
    const count = counts.get(key)!;
    if (count === 0) continue;
    const picked = chooseUnits(members.get(key)!, count, key === leaderRack);
    if (picked.leader !== undefined) leader = picked.leader.key;
    followersByRack.push(picked.chosen.filter((u) => u !== picked.leader).map((u) => u.key));
  }
  const replicas = [leader!];
  for (let round = 0; replicas.length < replicationFactor; round++) {
    for (const followers of followersByRack) if (round < followers.length) replicas.push(followers[round]!);
  }
  return replicas;
}

/**
 * Replica assignments for `partitionCount` new partitions over `brokers` (ordered by id), given
 * the current loads of those brokers. Returns one replica list per partition, preferred leader
 * first. The caller checks 1 <= replicationFactor <= brokers.length.
 */
export function placeReplicas(
  brokers: readonly PlacementBroker[],
  currentLoads: ReadonlyMap<number, BrokerLoad>,
  partitionCount: number,
  replicationFactor: number,
): number[][] {
  if (replicationFactor < 1 || replicationFactor > brokers.length) {
    throw new RangeError(`replication factor ${replicationFactor} with ${brokers.length} brokers`);
  }
  const loads = new Map<number, BrokerLoad>(brokers.map((b) => [b.brokerId, currentLoads.get(b.brokerId) ?? { replicas: 0, leaders: 0 }]));
  const assignments: number[][] = [];
  for (let i = 0; i < partitionCount; i++) {
    const replicas = placeOne(brokers, loads, replicationFactor);
    replicas.forEach((brokerId, index) => {
      const load = loads.get(brokerId)!;
      loads.set(brokerId, { replicas: load.replicas + 1, leaders: load.leaders + (index === 0 ? 1 : 0) });
    });
    assignments.push(replicas);
  }
  return assignments;
}
