import { Inflights } from './inflights.js';

/**
 * How a leader sends to one follower:
 * - `probe`: the follower's log position is unknown; send one AppendRequest and wait for its answer.
 * - `replicate`: the follower is known to match up to `match`; stream entries optimistically.
 * - `snapshot`: the entries the follower needs are compacted; a snapshot is on its way.
 */
export type ReplicationState = 'probe' | 'replicate' | 'snapshot';

/** A leader's view of one follower (or observer), like etcd's tracker.Progress. */
export class Progress {
  /** The highest index known to match the leader's log (durably, on the follower). */
  match = 0;
  /** The next index to send. Invariant: match < next. */
  next: number;
  state: ReplicationState = 'probe';
  /** The highest commit index sent to the follower (it may not have arrived). */
  sentCommit = 0;
  /** In `snapshot` state: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** The leader tick at which the pending snapshot was sent, to retry one that was lost. */
  snapshotSentAtTick = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** No more AppendRequests until a response (probe) or until inflights free up (replicate). */
  appendFlowPaused = false;
  readonly inflights: Inflights;

  constructor(
    readonly isVoter: boolean,
    next: number,
    maxInflightMsgs: number,
  ) {
    this.next = next;
    this.inflights = new Inflights(maxInflightMsgs);
  }

  isPaused(): boolean {
    return this.state === 'snapshot' || this.appendFlowPaused;
  }

  becomeProbe(): void {
    // Leaving `snapshot` state, assume the snapshot arrived and probe just past it;
    // a rejection will walk `next` back if it did not.
    const resumeAt = this.state === 'snapshot' ? Math.max(this.match + 1, this.pendingSnapshot + 1) : this.match + 1;
    this.resetState('probe');
    this.next = resumeAt;
    this.sentCommit = Math.min(this.sentCommit, this.next - 1);
  }

  becomeReplicate(): void {
    this.resetState('replicate');
    this.next = this.match + 1;
  }

  becomeSnapshot(snapshotIndex: number, tick: number): void {
    this.resetState('snapshot');
    this.pendingSnapshot = snapshotIndex;
    this.snapshotSentAtTick = tick;
    this.next = snapshotIndex + 1;
  }

  /** Records that the follower matches up to `index`; false if that is old news. */
  maybeUpdate(index: number): boolean {
    if (index <= this.match) return false;
    this.match = index;
    this.next = Math.max(this.next, index + 1);
    this.appendFlowPaused = false;
    return true;
  }

  /**
   * Handles a rejection of the AppendRequest anchored at `rejected`, given the
   * follower's hint that its log can only match the leader's at or below `matchHint`.
   * Returns false for a stale rejection (one that answers an older request).
   */
  maybeDecreaseTo(rejected: number, matchHint: number): boolean {
    if (this.state === 'replicate') {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      this.sentCommit = Math.min(this.sentCommit, this.next - 1);
      return true;
    }
    // Outside `replicate` only one request is outstanding, anchored at next - 1.
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.sentCommit = Math.min(this.sentCommit, this.next - 1);
    this.appendFlowPaused = false;
    return true;
  }

  /**
   * Whether sending commit index `committed` could advance the follower's: not if we
   * already sent one reaching next - 1, the most it can commit from what it has.
   */
  canBumpCommit(committed: number): boolean {
    return committed > this.sentCommit && this.sentCommit < this.next - 1;
  }

  /** Accounts for an AppendRequest carrying `entryCount` entries, the last at `lastIndex`. */
  sentEntries(entryCount: number, lastIndex: number): void {
    if (this.state === 'replicate') {
      if (entryCount > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
      this.appendFlowPaused = this.inflights.full();
    } else if (this.state === 'probe' && entryCount > 0) {
      this.appendFlowPaused = true;
    }
  }

  private resetState(state: ReplicationState): void {
    this.state = state;
    this.appendFlowPaused = false;
    this.pendingSnapshot = 0;
    this.inflights.reset();
  }
}
