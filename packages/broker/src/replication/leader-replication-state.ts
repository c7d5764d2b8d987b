/** What the leader knows of one follower, from its fetches. */
interface FollowerProgress {
  /** The follower's log end: its last fetch offset. */
  logEndOffset: number;
  /** Offsets below this are fsynced on the follower (its log end under flush=os). */
  durableOffset: number;
  /** The last time the follower had everything the leader had (Kafka's lastCaughtUpTimeMs). */
  lastCaughtUpTimeMs: number;
  lastFetchTimeMs: number;
  /** The leader's log end at the follower's previous fetch. */
  lastFetchLeaderLogEndOffset: number;
  /** The follower's log start offset as its last fetch reported it (-1 until one did). */
  logStartOffset: number;
}

export interface IsrChange {
  isr: number[];
  /** Followers dropped for lagging, for the log and metrics. */
  removed: number[];
  added: number[];
}

function newFollower(lastCaughtUpTimeMs: number): FollowerProgress {
  return { logEndOffset: -1, durableOffset: -1, lastCaughtUpTimeMs, lastFetchTimeMs: 0, lastFetchLeaderLogEndOffset: -1, logStartOffset: -1 };
}

/**
 * The leader's side of replicating one partition, as a pure state machine: it is fed follower
 * fetches and the time, and answers the high watermark and ISR changes to propose. No clock, no
 * I/O, so every rule here is tested directly.
 *
 * The high watermark is computed over the "maximal ISR" (Kafka's KIP-497): the committed ISR plus
 * the replicas this leader has proposed to add. The controller may commit an addition at any
 * moment after the proposal, and from then on the added replica may be elected leader; so its
 * durable offset must bound the high watermark from the proposal on. A removal counts only once
 * committed, for the same reason the other way round.
 */
export class LeaderReplicationState {
  private readonly followers = new Map<number, FollowerProgress>();
  private isrMembers: number[];
  /** The ISR change proposed and not yet settled by a committed state or a refusal. */
  private proposal: IsrChange | undefined;
  private watermark: number;

  private replicaIds: readonly number[];

  constructor(
    readonly leaderId: number,
    replicas: readonly number[],
    isr: readonly number[],
    /** Where this leader's epoch began: a follower must have reached it to join the ISR. */
    readonly epochStartOffset: number,
    initialHighWatermark: number,
    nowMs: number,
  ) {
    this.isrMembers = [...isr];
    this.watermark = initialHighWatermark;
    this.replicaIds = [...replicas];
    // Treat current ISR members as caught up now, so a new leader does not shrink them at once.
    for (const id of replicas) if (id !== leaderId) this.followers.set(id, newFollower(isr.includes(id) ? nowMs : 0));
  }

  get replicas(): readonly number[] {
    return this.replicaIds;
  }

  /**
   * A reassignment changed the replica set under this leader: new followers start unknown and
   * out of sync (they join the ISR once caught up); removed ones are forgotten.
   */
  setReplicas(replicas: readonly number[], nowMs: number): void {
    if (replicas.length === this.replicaIds.length && replicas.every((id, i) => id === this.replicaIds[i])) return;
    for (const id of this.followers.keys()) if (!replicas.includes(id)) this.followers.delete(id);
    for (const id of replicas) {
      if (id !== this.leaderId && !this.followers.has(id)) this.followers.set(id, newFollower(this.isrMembers.includes(id) ? nowMs : 0));
    }
    this.replicaIds = [...replicas];
  }

  /** The committed ISR. */
  get isr(): readonly number[] {
    return this.isrMembers;
  }

  /** The committed ISR plus pending additions: the replicas the high watermark waits for. */
  get maximalIsr(): readonly number[] {
    const added = this.proposal?.added ?? [];
    if (added.length === 0) return this.isrMembers;
    return this.replicas.filter((id) => this.isrMembers.includes(id) || added.includes(id));
  }

  get highWatermark(): number {
    return this.watermark;
  }

  /**
   * The ISR as the controller committed it at a newer partition epoch (after our proposal, or its
   * own fencing). A pending proposal is settled by it: it either went into this state or, being a
   * compare-and-set on an older partition epoch, can no longer apply.
   */
  setIsr(isr: readonly number[]): void {
    this.isrMembers = [...isr];
    this.proposal = undefined;
  }

  /** The controller refused the pending proposal at the current partition epoch: it was not applied. */
  abandonProposal(): void {
    this.proposal = undefined;
  }

  isReplica(id: number): boolean {
    return this.followers.has(id);
  }

  followerLogEndOffset(id: number): number | undefined {
    return this.followers.get(id)?.logEndOffset;
  }

  /** A follower fetched from `fetchOffset` with `durableOffset` fsynced, while the leader's log ended at `leaderLogEndOffset`. */
  onFollowerFetch(id: number, fetchOffset: number, durableOffset: number, nowMs: number, leaderLogEndOffset: number): void {
    const follower = this.followers.get(id);
    if (follower === undefined) return;
    if (fetchOffset >= leaderLogEndOffset) {
      follower.lastCaughtUpTimeMs = Math.max(follower.lastCaughtUpTimeMs, nowMs);
    } else if (fetchOffset >= follower.lastFetchLeaderLogEndOffset) {
      follower.lastCaughtUpTimeMs = Math.max(follower.lastCaughtUpTimeMs, follower.lastFetchTimeMs);
    }
    follower.logEndOffset = fetchOffset;
    follower.durableOffset = Math.min(durableOffset, fetchOffset);
    follower.lastFetchTimeMs = nowMs;
    follower.lastFetchLeaderLogEndOffset = leaderLogEndOffset;
  }

  /** A follower reported its log start offset; true if it moved (a waiting DeleteRecords may complete). */
  onFollowerLogStart(id: number, logStartOffset: number): boolean {
    const follower = this.followers.get(id);
    if (follower === undefined || follower.logStartOffset === logStartOffset) return false;
    follower.logStartOffset = logStartOffset;
    return true;
  }

  /**
   * The lowest log start offset over the leader (`leaderLogStartOffset`) and the maximal ISR
   * (Kafka's low watermark): below it no replica that may be elected leader serves records.
   * Replicas outside the ISR are not counted; one that rejoins fetches from the leader's start.
   */
  lowWatermark(leaderLogStartOffset: number): number {
    let lowest = leaderLogStartOffset;
    for (const id of this.maximalIsr) {
      if (id === this.leaderId) continue;
      lowest = Math.min(lowest, this.followers.get(id)?.logStartOffset ?? -1);
    }
    return lowest;
  }

  /**
   * Advances the high watermark to the lowest durable offset over the maximal ISR (the leader's
   * own included) and returns it. It never moves back: a lower bound from a new member just holds it.
   */
  updateHighWatermark(leaderDurableOffset: number): number {
    let candidate = leaderDurableOffset;
    for (const id of this.maximalIsr) {
      if (id === this.leaderId) continue;
      const follower = this.followers.get(id);
      candidate = Math.min(candidate, follower?.durableOffset ?? -1);
    }
    if (candidate > this.watermark) this.watermark = candidate;
    return this.watermark;
  }

  /**
   * The ISR to propose, if it should change: followers that have not caught up within
   * `replicaLagTimeMaxMs` leave; followers outside that reached the high watermark and this
   * epoch's start join. The leader always stays. The answer counts as proposed from now on
   * (its additions join the maximal ISR); while it is unsettled it is answered again, unchanged,
   * as the retry of a request whose outcome is unknown.
   */
  proposeIsrChange(nowMs: number, replicaLagTimeMaxMs: number): IsrChange | undefined {
    if (this.proposal !== undefined) return this.proposal;
    const removed: number[] = [];
    const added: number[] = [];
    for (const [id, follower] of this.followers) {
      const inIsr = this.isrMembers.includes(id);
      if (inIsr && nowMs - follower.lastCaughtUpTimeMs > replicaLagTimeMaxMs) removed.push(id);
      const caughtUp = follower.logEndOffset >= this.watermark && follower.logEndOffset >= this.epochStartOffset;
      if (!inIsr && caughtUp && nowMs - follower.lastCaughtUpTimeMs <= replicaLagTimeMaxMs) added.push(id);
    }
    if (removed.length === 0 && added.length === 0) return undefined;
    const isr = this.replicas.filter((id) => id === this.leaderId || (this.isrMembers.includes(id) && !removed.includes(id)) || added.includes(id));
    this.proposal = { isr, removed, added };
    return this.proposal;
  }
}
