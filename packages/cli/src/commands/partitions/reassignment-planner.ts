// Proposes where partitions' replicas should live on a set of brokers, as Kafka's
// kafka-reassign-partitions --generate does, but moving as little as possible: a replica stays
// where it is unless its broker leaves the set or holds more than its share; each replica that
// must move goes to the least loaded allowed broker, preferring a rack the partition does not use
// yet. Preferred leaders (the first replica) are then spread evenly by reordering replicas, which
// moves no data. Pure and deterministic: the same input gives the same plan.

export interface CurrentPartition {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: readonly number[];
}

export interface PlannedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly replicas: number[];
}

export interface PlanInput {
  readonly partitions: readonly CurrentPartition[];
  /** The brokers the replicas may live on. */
  readonly brokers: readonly number[];
  /** Each broker's rack, where it has one. */
  readonly racks: ReadonlyMap<number, string>;
  /**
   * Also even out the brokers' loads and preferred leaders (default). Off, only the replicas on
   * brokers outside `brokers` move, as when a broker is decommissioned.
   */
  readonly balance?: boolean;
}

export class PlanError extends Error {
  override readonly name = 'PlanError';
}

const byPartition = (a: CurrentPartition, b: CurrentPartition): number => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition);

/** The proposed replicas of every partition (changed or not), in topic and partition order. */
export function planReassignment(input: PlanInput): PlannedPartition[] {
  const brokers = [...new Set(input.brokers)].sort((a, b) => a - b);
  if (brokers.length === 0) throw new PlanError('No brokers to place replicas on.');
  const partitions = [...input.partitions].sort(byPartition);
  const widest = Math.max(0, ...partitions.map((p) => p.replicas.length));
  if (widest > brokers.length) throw new PlanError(`A partition has ${widest} replicas but only ${brokers.length} brokers were given.`);

  const load = new Map(brokers.map((b) => [b, 0]));
  const allowed = new Set(brokers);
  const rackOf = (b: number): string | undefined => input.racks.get(b);
  /** 1 when `broker`'s rack is used by another replica of the partition already. */
  const rackClash = (replicas: readonly number[], broker: number, leaving?: number): number => {
    const rack = rackOf(broker);
    return rack !== undefined && replicas.some((b) => b !== leaving && b !== broker && rackOf(b) === rack) ? 1 : 0;
  };

  // Replicas on allowed brokers stay; those on brokers that leave go to the least loaded ones.
  const placed = partitions.map((p) => p.replicas.map((b) => (allowed.has(b) ? b : -1)));
  for (const replicas of placed) for (const b of replicas) if (b >= 0) load.set(b, load.get(b)! + 1);
  for (const replicas of placed) {
    for (let i = 0; i < replicas.length; i++) {
      if (replicas[i]! >= 0) continue;
      const candidates = brokers.filter((b) => !replicas.includes(b));
      candidates.sort((a, b) => rackClash(replicas, a) - rackClash(replicas, b) || load.get(a)! - load.get(b)! || a - b);
      const chosen = candidates[0]!;
      replicas[i] = chosen;
      load.set(chosen, load.get(chosen)! + 1);
    }
  }

  // Then single replicas move from the most to the least loaded broker until loads differ by at
  // most one. A broker with more replicas than another is in some partition the other is not, so
  // a move always exists, and each one lowers the imbalance.
  while (input.balance !== false) {
    const order = [...brokers].sort((a, b) => load.get(a)! - load.get(b)! || a - b);
    const lightest = order[0]!;
    const heaviest = order[order.length - 1]!;
    if (load.get(heaviest)! - load.get(lightest)! <= 1) break;
    const movable = placed.filter((r) => r.includes(heaviest) && !r.includes(lightest));
    movable.sort((a, b) => rackClash(a, lightest, heaviest) - rackClash(b, lightest, heaviest));
    const replicas = movable[0]!;
    replicas[replicas.indexOf(heaviest)] = lightest;
    load.set(heaviest, load.get(heaviest)! - 1);
    load.set(lightest, load.get(lightest)! + 1);
  }
  if (input.balance !== false) spreadPreferredLeaders(placed, brokers);
  return partitions.map((p, i) => ({ topic: p.topic, partition: p.partition, replicas: placed[i]! }));
}

/**
 * Reorders each partition's replicas so each broker is the preferred leader of about the same
 * number of partitions; a partition keeps its first replica while that broker is under its share.
 */
function spreadPreferredLeaders(placed: number[][], brokers: readonly number[]): void {
  const share = Math.ceil(placed.length / brokers.length);
  const leads = new Map(brokers.map((b) => [b, 0]));
  const deferred: number[][] = [];
  for (const replicas of placed) {
    const first = replicas[0];
    if (first !== undefined && leads.get(first)! < share) leads.set(first, leads.get(first)! + 1);
    else deferred.push(replicas);
  }
  for (const replicas of deferred) {
    const leader = [...replicas].sort((a, b) => leads.get(a)! - leads.get(b)! || replicas.indexOf(a) - replicas.indexOf(b))[0];
    if (leader === undefined) continue;
    leads.set(leader, leads.get(leader)! + 1);
    replicas.splice(replicas.indexOf(leader), 1);
    replicas.unshift(leader);
  }
}

/** Partitions whose replicas change (order included). */
export function changedPartitions(current: readonly CurrentPartition[], planned: readonly PlannedPartition[]): PlannedPartition[] {
  const before = new Map(current.map((p) => [`${p.topic}/${p.partition}`, p.replicas]));
  return planned.filter((p) => {
    const old = before.get(`${p.topic}/${p.partition}`);
    return old === undefined || old.length !== p.replicas.length || old.some((b, i) => b !== p.replicas[i]);
  });
}
