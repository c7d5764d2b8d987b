import type { QuillError } from '@quill/proto';
import type { DelayedOperation } from '../purgatory/purgatory.js';
import type { Partition } from '../replication/partition.js';
import { brokerError } from '../errors.js';

export interface ProduceOutcome {
  error: QuillError | undefined;
  baseOffset: number;
}

/**
 * An acks=all produce waiting for the high watermark to pass its last offset. It fails if this
 * broker stops leading the partition (or a new epoch begins) meanwhile: a stale leader must not
 * acknowledge, and the client retries at the new leader.
 */
export class DelayedProduce implements DelayedOperation {
  constructor(
    private readonly partition: Partition,
    private readonly leaderEpoch: number,
    private readonly baseOffset: number,
    /** The offset after the batch: the high watermark must reach it. */
    private readonly requiredOffset: number,
    private readonly minInsyncReplicas: number,
    private readonly respond: (outcome: ProduceOutcome) => void,
  ) {}

  tryComplete(): boolean {
    if (this.partition.isOffline) {
      this.respond({ error: brokerError('KAFKA_STORAGE_ERROR', `${this.partition.key}: the leader's log failed before the write was durable`), baseOffset: -1 });
      return true;
    }
    if (!this.partition.isLeader || this.partition.leaderEpoch !== this.leaderEpoch) {
      this.respond({ error: brokerError('NOT_LEADER_OR_FOLLOWER', `${this.partition.key}: leadership moved before the write was replicated`), baseOffset: -1 });
      return true;
    }
    // The ISR shrank below the minimum after the append: Kafka's answer, so the producer retries.
    // Checked before the high watermark, which a shrink lets pass the batch on fewer replicas
    // than the minimum (invariant 6). The maximal ISR is the set the high watermark counted.
    if (this.partition.maximalIsr.length < this.minInsyncReplicas) {
      this.respond({
        error: brokerError('NOT_ENOUGH_REPLICAS_AFTER_APPEND', `${this.partition.key}: the ISR fell below min.insync.replicas ${this.minInsyncReplicas} after the append`),
        baseOffset: -1,
      });
      return true;
    }
    if (this.partition.highWatermark >= this.requiredOffset) {
      this.respond({ error: undefined, baseOffset: this.baseOffset });
      return true;
    }
    return false;
  }

  onExpire(): void {
    this.respond({
      error: brokerError('REQUEST_TIMED_OUT', `${this.partition.key}: not replicated to the ISR within the produce timeout`),
      baseOffset: -1,
    });
  }
}

/** A long-poll fetch: completes once `enoughData()` holds or its max wait passes. */
export class DelayedFetch implements DelayedOperation {
  constructor(
    private readonly enoughData: () => boolean,
    private readonly respond: () => void,
  ) {}

  tryComplete(): boolean {
    if (!this.enoughData()) return false;
    this.respond();
    return true;
  }

  onExpire(): void {
    this.respond();
  }
}
