import { TokenBucket } from './token-bucket.js';

/**
 * The follower side of the replication throttle (Kafka's follower replication quota, KIP-73): one
 * per broker, shared by its fetches from every leader. Only the replicas moving onto this broker
 * are throttled; the caller asks it how much each of them may fetch, reserves that when a fetch
 * goes out, and settles what came.
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
   * Unthrottled: `fullMaxBytes`.
   */
  partitionMaxBytes(count: number, fullMaxBytes: number, nowMs: number): number {
    const bucket = this.bucket;
    if (bucket === undefined) return fullMaxBytes;
    if (bucket.available(nowMs) <= 0) return 0;
    return Math.min(fullMaxBytes, Math.max(1, Math.floor(this.burstOf(bucket.rate) / Math.max(1, count))));
  }

  /**
   * Takes what a fetch may bring for throttled partitions when it goes out, so the bucket keeps
   * earning while it is in flight (taken only on the answer, a full bucket would earn nothing for
   * the round trip). `settle` with what came once answered; a fetch that fails keeps it taken.
   */
  reserve(bytes: number, nowMs: number): void {
    this.bucket?.take(bytes, nowMs);
  }

  /** What throttled partitions fetched, against what was reserved for them. */
  settle(reserved: number, fetched: number, nowMs: number): void {
    this.bucket?.take(fetched - reserved, nowMs);
  }

  /** Ms until paused partitions may fetch again; 0 when none has to wait. */
  msUntilResume(nowMs: number): number {
    return this.bucket?.msUntilAvailable(nowMs) ?? 0;
  }

  private burstOf(rateBytesPerSec: number): number {
    return (rateBytesPerSec * this.burstMs) / 1000;
  }
}
