import { TokenBucket } from './token-bucket.js';

/**
 * The follower side of the replication throttle (Kafka's follower replication quota, KIP-73): one
 * per broker, shared by its fetches from every leader. Only the replicas moving onto this broker
 * are throttled; the caller asks it how much each of them may fetch and tells it what came.
 * Pure: every call takes the time.
 */
export class FollowerQuota {
  private bucket: TokenBucket | undefined;

  constructor(private readonly burstMs: number) {}

  /** The limit in bytes/s, undefined for none; applies from `nowMs` on. */
  setRate(rateBytesPerSec: number | undefined, nowMs: number): void {
    if (rateBytesPerSec === undefined) {
      this.bucket = undefined;
    } else if (this.bucket === undefined) {
      this.bucket = new TokenBucket(rateBytesPerSec, this.burstOf(rateBytesPerSec), nowMs);
    } else if (this.bucket.rate !== rateBytesPerSec) {
      this.bucket.reconfigure(rateBytesPerSec, this.burstOf(rateBytesPerSec), nowMs);
    }
  }

  /**
   * The max bytes to ask for each of `count` throttled partitions in a fetch: 0 (leave them
   * paused) while over the quota, else the burst shared among them, at most `fullMaxBytes`.
   * Unthrottled: `fullMaxBytes`. A fetcher brings at most a burst per round trip, so the burst
   * must outlast a round trip (replicationThrottleBurstMs) for a move to reach the rate.
   */
  partitionMaxBytes(count: number, fullMaxBytes: number, nowMs: number): number {
    const bucket = this.bucket;
    if (bucket === undefined) return fullMaxBytes;
    if (bucket.available(nowMs) <= 0) return 0;
    return Math.min(fullMaxBytes, Math.max(1, Math.floor(this.burstOf(bucket.rate) / Math.max(1, count))));
  }

  /** Bytes that throttled partitions fetched. */
  record(bytes: number, nowMs: number): void {
    this.bucket?.take(bytes, nowMs);
  }

  /** Ms until paused partitions may fetch again; 0 when none has to wait. */
  msUntilResume(nowMs: number): number {
    return this.bucket?.msUntilAvailable(nowMs) ?? 0;
  }

  private burstOf(rateBytesPerSec: number): number {
    return (rateBytesPerSec * this.burstMs) / 1000;
  }
}
