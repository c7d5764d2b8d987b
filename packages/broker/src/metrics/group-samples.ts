import type { Group } from '../group-coordinator/group.js';

export interface GroupLagSample {
  group: string;
  topic: string;
  partition: number;
  lag: number;
}

export interface GroupSamples {
  /** Members and Kafka state name of each group this coordinator holds. */
  groups: readonly { group: string; state: string; members: number }[];
  lags: readonly GroupLagSample[];
}

/**
 * Lag of every committed offset this coordinator holds: the partition's high watermark less the
 * committed offset (never below 0). A partition whose high watermark this broker does not know
 * (it hosts no replica of it) has no sample rather than a wrong one.
 */
export function groupSamples(groups: Iterable<Group>, highWatermark: (topic: string, partition: number) => number | undefined): GroupSamples {
  const described: { group: string; state: string; members: number }[] = [];
  const lags: GroupLagSample[] = [];
  for (const group of groups) {
    described.push({ group: group.groupId, state: group.state, members: group.members.size });
    for (const { topic, partition, value } of group.offsets.values()) {
      const end = highWatermark(topic, partition);
      if (end === undefined) continue;
      lags.push({ group: group.groupId, topic, partition, lag: Math.max(0, end - value.committedOffset) });
    }
  }
  return { groups: described, lags };
}
