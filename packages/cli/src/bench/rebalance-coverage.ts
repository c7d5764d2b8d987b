// When has a group finished rebalancing, as its members see it? Pure: the benchmark feeds it
// the members' latest GROUP_JOIN events.

/** A member's latest GROUP_JOIN: its generation and the partitions it got (of the benchmark's one topic). */
export interface MemberJoin {
  generationId: number;
  partitions: readonly number[];
}

/**
 * The generation the group has settled on, or undefined while it has not: every member in
 * `members` has joined the same generation, newer than `afterGeneration`, and their
 * assignments together cover partitions 0..partitionCount-1 exactly once.
 */
export function settledGeneration(
  latest: ReadonlyMap<number, MemberJoin>,
  members: readonly number[],
  partitionCount: number,
  afterGeneration: number,
): number | undefined {
  if (members.length === 0) return undefined;
  const joins = members.map((m) => latest.get(m));
  const generationId = joins[0]?.generationId;
  if (generationId === undefined || generationId <= afterGeneration) return undefined;
  const owners = new Array<number>(partitionCount).fill(0);
  for (const join of joins) {
    if (join === undefined || join.generationId !== generationId) return undefined;
    for (const partition of join.partitions) {
      if (!Number.isInteger(partition) || partition < 0 || partition >= partitionCount) return undefined;
      owners[partition]! += 1;
    }
  }
  return owners.every((count) => count === 1) ? generationId : undefined;
}


/** Candidates tried per partition before giving up (a fair hash needs about ln(partitions) each). */
const PROBE_CANDIDATES_PER_PARTITION = 1000;

/**
 * One group id per coordinator partition: `${prefix}-N` for the smallest N landing on each of
 * the `partitionCount` partitions of __consumer_offsets (`partitionOf` is the group's partition,
 * murmur2 as the brokers hash). Describing them makes every coordinator load before a timed run.
 */
export function groupIdsCoveringPartitions(prefix: string, partitionCount: number, partitionOf: (groupId: string) => number): string[] {
  const found = new Map<number, string>();
  for (let n = 0; found.size < partitionCount; n++) {
    if (n >= partitionCount * PROBE_CANDIDATES_PER_PARTITION) throw new Error(`no group id of ${prefix}-N lands on every one of ${partitionCount} partitions`);
    const groupId = `${prefix}-${n}`;
    const partition = partitionOf(groupId);
    if (!found.has(partition)) found.set(partition, groupId);
  }
  return [...found].sort(([a], [b]) => a - b).map(([, groupId]) => groupId);
}
