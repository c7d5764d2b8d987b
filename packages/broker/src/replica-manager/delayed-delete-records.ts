import type { QuillError } from '@quill/proto';
import { brokerError } from '../errors.js';
import type { DelayedOperation } from '../purgatory/purgatory.js';
import type { Partition } from '../replication/partition.js';

export interface DeleteRecordsOutcome {
  error: QuillError | undefined;
  /** The lowest log start offset over the leader and its in-sync followers (-1 on error). */
  lowWatermark: number;
}

/**
 * A DeleteRecords whose leader moved its log start offset, waiting for the in-sync followers to
 * move theirs (they learn it from fetch answers and report it in their next fetch): answered
 * before, a leader failing now would leave a new leader serving the records the call deleted.
 * It fails if this broker stops leading the partition (or a new epoch begins) meanwhile.
 */
export class DelayedDeleteRecords implements DelayedOperation {
  constructor(
    private readonly partition: Partition,
    private readonly leaderEpoch: number,
    /** The leader's log start offset after the deletion: the low watermark must reach it. */
    private readonly target: number,
    private readonly respond: (outcome: DeleteRecordsOutcome) => void,
  ) {}

  tryComplete(): boolean {
    if (this.partition.isOffline) {
      this.respond({ error: brokerError('KAFKA_STORAGE_ERROR', `${this.partition.key}: the leader's log failed before the followers deleted the records`), lowWatermark: -1 });
      return true;
    }
    if (!this.partition.isLeader || this.partition.leaderEpoch !== this.leaderEpoch) {
      this.respond({ error: brokerError('NOT_LEADER_OR_FOLLOWER', `${this.partition.key}: leadership moved before the followers deleted the records`), lowWatermark: -1 });
      return true;
    }
    const lowWatermark = this.partition.lowWatermark;
    if (lowWatermark < this.target) return false;
    this.respond({ error: undefined, lowWatermark });
    return true;
  }

  onExpire(): void {
    this.respond({
      error: brokerError('REQUEST_TIMED_OUT', `${this.partition.key}: the in-sync followers did not move their log start offset to ${this.target} in time`),
      lowWatermark: -1,
    });
  }
}
