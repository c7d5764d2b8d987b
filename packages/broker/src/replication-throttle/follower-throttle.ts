import { followerReplicationThrottledRate, type MetadataState } from '@quill/metadata';

/** What the metadata says this broker's follower throttle is. */
export interface FollowerThrottle {
  /** follower.replication.throttled.rate as it applies to this broker; undefined for no limit. */
  readonly rateBytesPerSec: number | undefined;
  /** The replicas moving onto this broker (it is in their reassignment's `adding`): partition indexes by topic id. */
  readonly partitions: ReadonlyMap<string, ReadonlySet<number>>;
}

export const NO_FOLLOWER_THROTTLE: FollowerThrottle = { rateBytesPerSec: undefined, partitions: new Map() };

export function isMovingIn(throttle: FollowerThrottle, topicId: string, partition: number): boolean {
  return throttle.partitions.get(topicId)?.has(partition) === true;
}

/**
 * The follower throttle of `brokerId`: the rate, and the partitions it applies to. Only replicas
 * being moved in and not yet in sync are throttled, as in Kafka: ordinary followers catching up
 * never are, and a moved-in replica that joined the ISR must keep up with the producers (the
 * high watermark waits for it, and the move completes only with all its targets in sync).
 */
export function followerThrottleOf(state: MetadataState, brokerId: number): FollowerThrottle {
  const partitions = new Map<string, Set<number>>();
  for (const topic of state.topicsById.values()) {
    for (const metadata of topic.partitions.values()) {
      if (metadata.reassignment?.adding.includes(brokerId) !== true || metadata.isr.includes(brokerId)) continue;
      let indexes = partitions.get(topic.topicId);
      if (indexes === undefined) partitions.set(topic.topicId, (indexes = new Set()));
      indexes.add(metadata.partition);
    }
  }
  return { rateBytesPerSec: followerReplicationThrottledRate(state, brokerId), partitions };
}
