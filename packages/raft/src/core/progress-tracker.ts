import { invariant } from './errors.js';
import { Progress } from './progress.js';
import { majorityMatchedIndex, quorumSize, voteOutcome, type VoteOutcome } from './quorum.js';
import { NO_NODE, type Membership, type NodeId } from './types.js';

/** Per-peer progress and election votes over the static membership. */
export class ProgressTracker {
  readonly voters: readonly NodeId[];
  readonly observers: readonly NodeId[];
  /** Voters then observers, in a fixed order (iteration order decides message order). */
  readonly members: readonly NodeId[];
  private readonly progressById = new Map<NodeId, Progress>();
  private readonly votes = new Map<NodeId, boolean>();

  constructor(
    membership: Membership,
    private readonly maxInflightMsgs: number,
  ) {
    this.voters = [...membership.voters].sort((a, b) => a - b);
    this.observers = [...membership.observers].sort((a, b) => a - b);
    this.members = [...this.voters, ...this.observers];
    this.resetProgress(1, NO_NODE, 0);
  }

  isVoter(id: NodeId): boolean {
    return this.voters.includes(id);
  }

  isMember(id: NodeId): boolean {
    return this.progressById.has(id);
  }

  progress(id: NodeId): Progress {
    const progress = this.progressById.get(id);
    invariant(progress !== undefined, 'progress of a non-member');
    return progress;
  }

  /** Forgets everything about the peers, as a new leader (or a node in a new term) must. */
  resetProgress(nextIndex: number, selfId: NodeId, selfMatch: number): void {
    for (const id of this.members) {
      const progress = new Progress(this.isVoter(id), nextIndex, this.maxInflightMsgs);
      if (id === selfId) progress.match = selfMatch;
      this.progressById.set(id, progress);
    }
  }

  /** The index a majority of voters has durably matched. */
  committedIndex(): number {
    return majorityMatchedIndex(this.voters, (id) => this.progress(id).match);
  }

  /** Whether a quorum of voters (counting the leader itself) was heard from recently. */
  quorumActive(selfId: NodeId): boolean {
    let active = 0;
    for (const id of this.voters) {
      if (id === selfId || this.progress(id).recentActive) active++;
    }
    return active >= quorumSize(this.voters.length);
  }

  markAllInactiveExcept(selfId: NodeId): void {
    for (const [id, progress] of this.progressById) progress.recentActive = id === selfId;
  }

  resetVotes(): void {
    this.votes.clear();
  }

  /** Records a voter's answer (only its first answer counts) and returns the election's outcome so far. */
  recordVote(id: NodeId, granted: boolean): VoteOutcome {
    if (this.isVoter(id) && !this.votes.has(id)) this.votes.set(id, granted);
    return voteOutcome(this.voters, this.votes);
  }
}
