/**
 * The Raft algorithm (Ongaro and Ousterhout, "In Search of an Understandable Consensus
 * Algorithm", extended version), shaped after etcd-io/raft: inputs are ticks, messages
 * and proposals; outputs accumulate in `messages` and in the log's unstable part for
 * RaftNode to hand out as a Ready. Pure: no clock, no I/O, seeded randomness only.
 */
import { membershipOf, type ResolvedRaftConfig } from './config.js';
import { invariant, RaftConfigError, RaftInvariantError } from './errors.js';
import type {
  AppendRequest,
  AppendResponse,
  HeartbeatRequest,
  InstallSnapshotRequest,
  InstallSnapshotResponse,
  Message,
  PreVoteRequest,
  PreVoteResponse,
  VoteRequest,
  VoteResponse,
} from './messages.js';
import type { Progress } from './progress.js';
import { ProgressTracker } from './progress-tracker.js';
import { RaftLog } from './raft-log.js';
import type { ProposeResult, TransferLeadershipResult } from './results.js';
import type { RaftStorage } from './storage.js';
import { NO_NODE, sameMembership, type Entry, type EntryType, type HardState, type NodeId, type Role, type SoftState } from './types.js';

type CampaignKind = 'pre-election' | 'election' | 'transfer';

const EMPTY_DATA = new Uint8Array(0);

export class Raft {
  readonly id: NodeId;
  readonly log: RaftLog;
  readonly tracker: ProgressTracker;
  term = 0;
  vote: NodeId = NO_NODE;
  leaderId: NodeId = NO_NODE;
  role: Role = 'follower';
  /** The voter a leadership transfer is handing over to, or NO_NODE. */
  leadTransferee: NodeId = NO_NODE;
  /** Messages to send, handed out (and cleared) by the next Ready. */
  messages: Message[] = [];

  private readonly config: ResolvedRaftConfig;
  private readonly isVoter: boolean;
  /** Ticks since the last election timeout reset (followers, candidates) or check-quorum round (leaders). */
  private electionElapsed = 0;
  private heartbeatElapsed = 0;
  private randomizedElectionTimeout = 0;
  /** A clock for retrying lost snapshots. */
  private ticksSinceStart = 0;
  /** Payload bytes this leader appended that are not yet applied (bounded by maxUncommittedEntriesSize). */
  private uncommittedSize = 0;

  constructor(config: ResolvedRaftConfig, storage: RaftStorage) {
    this.config = config;
    this.id = config.id;
    const { hardState, membership } = storage.initialState();
    if (!sameMembership(membership, membershipOf(config))) {
      throw new RaftConfigError(`node ${config.id}: storage membership differs from the configured one (membership is static)`);
    }
    this.log = new RaftLog(storage, config.maxCommittedSizePerReady);
    this.tracker = new ProgressTracker(membership, config.maxInflightMsgs);
    this.isVoter = this.tracker.isVoter(this.id);
    if (hardState.commit !== 0) {
      invariant(
        hardState.commit >= this.log.committed && hardState.commit <= this.log.lastIndex(),
        'persisted commit index is outside the persisted log',
      );
      this.log.committed = hardState.commit;
    }
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.becomeFollower(this.term, NO_NODE);
  }

  hardState(): HardState {
    return { term: this.term, vote: this.vote, commit: this.log.committed };
  }

  softState(): SoftState {
    return { leaderId: this.leaderId, role: this.role };
  }

  takeMessages(): Message[] {
    const messages = this.messages;
    this.messages = [];
    return messages;
  }

  // ---------------------------------------------------------------- inputs

  tick(): void {
    this.ticksSinceStart++;
    if (this.role === 'leader') this.tickLeader();
    else this.tickElection();
  }

  step(message: Message): void {
    if (message.term > this.term) {
      if (!this.acceptHigherTerm(message)) return;
    } else if (message.term < this.term) {
      this.answerStaleMessage(message);
      return;
    }
    switch (message.type) {
      case 'PreVoteRequest':
      case 'VoteRequest':
        this.handleVoteRequest(message);
        return;
      default:
        if (this.role === 'leader') this.stepLeader(message);
        else if (this.role === 'follower') this.stepFollower(message);
        else this.stepCandidate(message);
    }
  }

  propose(data: Uint8Array): ProposeResult {
    if (this.role !== 'leader') return { ok: false, reason: 'NotLeader', leaderHint: this.leaderId };
    if (this.leadTransferee !== NO_NODE) return { ok: false, reason: 'LeadershipTransferInProgress', leaderHint: this.leadTransferee };
    const index = this.log.lastIndex() + 1;
    if (!this.appendEntries('normal', data)) return { ok: false, reason: 'UncommittedLimitReached', leaderHint: this.id };
    this.broadcastAppend();
    return { ok: true, index, term: this.term };
  }

  transferLeadership(to: NodeId): TransferLeadershipResult {
    if (this.role !== 'leader') return { ok: false, reason: 'NotLeader', leaderHint: this.leaderId };
    if (to === this.id) return { ok: false, reason: 'AlreadyLeader' };
    if (!this.tracker.isVoter(to)) return { ok: false, reason: 'NotAVoter' };
    if (this.leadTransferee === to) return { ok: true };
    // The transfer must finish within an election timeout, or it is aborted (see tickLeader).
    this.electionElapsed = 0;
    this.leadTransferee = to;
    if (this.tracker.progress(to).match === this.log.lastIndex()) this.sendTimeoutNow(to);
    else this.sendAppend(to);
    return { ok: true };
  }

  /** Called once the caller persisted a Ready: a leader counts its own log toward commit only now. */
  afterPersist(): void {
    if (this.role !== 'leader') return;
    if (this.tracker.progress(this.id).maybeUpdate(this.log.persistedLastIndex()) && this.maybeCommit()) {
      this.broadcastAppend();
    }
  }

  /** Called once the caller applied committed entries. */
  reduceUncommittedSize(applied: readonly Entry[]): void {
    let size = 0;
    for (const entry of applied) size += entry.data.byteLength;
    this.uncommittedSize = Math.max(0, this.uncommittedSize - size);
  }

  // ---------------------------------------------------------------- time

  private tickElection(): void {
    this.electionElapsed++;
    if (this.canCampaign() && this.electionElapsed >= this.randomizedElectionTimeout) {
      this.electionElapsed = 0;
      this.campaign(this.config.preVote ? 'pre-election' : 'election');
    }
  }

  private tickLeader(): void {
    this.heartbeatElapsed++;
    this.electionElapsed++;
    if (this.electionElapsed >= this.config.electionTick) {
      this.electionElapsed = 0;
      if (this.config.checkQuorum) {
        // A leader cut off from a quorum steps down, so that clients look for the new one
        // and followers' leases (which make them ignore votes) expire on schedule.
        if (!this.tracker.quorumActive(this.id)) {
          this.becomeFollower(this.term, NO_NODE);
          return;
        }
        this.tracker.markAllInactiveExcept(this.id);
      }
      this.leadTransferee = NO_NODE;
    }
    if (this.heartbeatElapsed >= this.config.heartbeatTick) {
      this.heartbeatElapsed = 0;
      this.broadcastHeartbeat();
    }
  }

  // ---------------------------------------------------------------- terms

  /**
   * A message from a higher term. Returns false if it must be ignored: a vote request
   * that would disrupt a leader we heard from within the election timeout (leader lease).
   */
  private acceptHigherTerm(message: Message): boolean {
    const isVoteRequest = message.type === 'VoteRequest' || message.type === 'PreVoteRequest';
    if (isVoteRequest && !message.leadershipTransfer && this.inLeaderLease()) return false;
    if (message.type === 'PreVoteRequest') return true; // a pre-vote never changes anyone's term
    // A granted pre-vote carries the term we would campaign at; we move there only on winning.
    if (message.type === 'PreVoteResponse' && message.granted) return true;
    const fromLeader = message.type === 'AppendRequest' || message.type === 'HeartbeatRequest' || message.type === 'InstallSnapshotRequest';
    this.becomeFollower(message.term, fromLeader ? message.from : NO_NODE);
    return true;
  }

  private inLeaderLease(): boolean {
    return this.config.checkQuorum && this.leaderId !== NO_NODE && this.electionElapsed < this.config.electionTick;
  }

  private answerStaleMessage(message: Message): void {
    if ((this.config.checkQuorum || this.config.preVote) && (message.type === 'AppendRequest' || message.type === 'HeartbeatRequest')) {
      // A leader of an older term. With pre-vote or check-quorum our higher term may never
      // reach it through votes, so tell it here and let it step down. A heartbeat response
      // claims nothing about our log.
      this.send({ type: 'HeartbeatResponse', term: this.term, from: this.id, to: message.from });
    } else if (message.type === 'PreVoteRequest') {
      // Reject explicitly so that a pre-candidate with a stale term learns ours.
      this.send({ type: 'PreVoteResponse', term: this.term, from: this.id, to: message.from, granted: false });
    }
  }

  private handleVoteRequest(request: PreVoteRequest | VoteRequest): void {
    const isPreVote = request.type === 'PreVoteRequest';
    const canVote =
      this.vote === request.from ||
      (this.vote === NO_NODE && this.leaderId === NO_NODE) ||
      (isPreVote && request.term > this.term);
    const grant =
      this.isVoter && this.tracker.isVoter(request.from) && canVote && this.log.isUpToDate(request.lastLogIndex, request.lastLogTerm);
    // A grant carries the request's term (for a pre-vote, a term we have not reached);
    // a rejection carries ours, so that a stale candidate catches up.
    const type = isPreVote ? 'PreVoteResponse' : 'VoteResponse';
    this.send({ type, term: grant ? request.term : this.term, from: this.id, to: request.from, granted: grant });
    if (grant && !isPreVote) {
      this.electionElapsed = 0;
      this.vote = request.from;
    }
  }

  // ---------------------------------------------------------------- role transitions

  private becomeFollower(term: number, leaderId: NodeId): void {
    this.reset(term);
    this.role = 'follower';
    this.leaderId = leaderId;
  }

  private becomePreCandidate(): void {
    invariant(this.role !== 'leader', 'a leader cannot become a pre-candidate');
    // Neither the term nor the vote changes: that happens only once a quorum agrees.
    this.tracker.resetVotes();
    this.role = 'pre-candidate';
    this.leaderId = NO_NODE;
  }

  private becomeCandidate(): void {
    invariant(this.role !== 'leader', 'a leader cannot become a candidate');
    this.reset(this.term + 1);
    this.vote = this.id;
    this.role = 'candidate';
  }

  private becomeLeader(): void {
    invariant(this.role === 'candidate', 'only a candidate can become leader');
    this.reset(this.term);
    this.role = 'leader';
    this.leaderId = this.id;
    const self = this.tracker.progress(this.id);
    self.becomeReplicate();
    self.recentActive = true;
    // A leader commits entries of earlier terms only indirectly, by committing one of its
    // own term (Raft §5.4.2): append an empty entry to get there without waiting for a proposal.
    invariant(this.appendEntries('noop', EMPTY_DATA), 'a new leader must accept its no-op entry');
    this.broadcastAppend();
  }

  private reset(term: number): void {
    invariant(term >= this.term, 'the term never decreases');
    if (term !== this.term) {
      this.term = term;
      this.vote = NO_NODE;
      // A message is a claim made in its term (a vote, entries acknowledged as matching).
      // Once in a new term, what this node persists next may no longer back such a claim,
      // e.g. acknowledged entries were overwritten by the new term's leader before the
      // Ready holding them was taken. Dropping them is always safe: networks drop too.
      this.messages = this.messages.filter((message) => message.term >= term);
    }
    this.leaderId = NO_NODE;
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    this.randomizedElectionTimeout = this.config.electionTick + this.config.random.int(0, this.config.electionTick - 1);
    this.leadTransferee = NO_NODE;
    this.uncommittedSize = 0;
    this.tracker.resetVotes();
    this.tracker.resetProgress(this.log.lastIndex() + 1, this.id, this.log.persistedLastIndex());
  }

  // ---------------------------------------------------------------- elections

  private canCampaign(): boolean {
    // A node installing a snapshot does not know its log yet.
    return this.isVoter && !this.log.hasPendingSnapshot();
  }

  private campaign(kind: CampaignKind): void {
    invariant(this.canCampaign(), 'campaign by a node that cannot campaign');
    let campaignTerm: number;
    if (kind === 'pre-election') {
      this.becomePreCandidate();
      campaignTerm = this.term + 1;
    } else {
      this.becomeCandidate();
      campaignTerm = this.term;
    }
    // Our own vote: it is persisted with the Ready that carries the requests below,
    // so it is durable before any other vote can arrive.
    if (this.tracker.recordVote(this.id, true) === 'won') {
      this.winElection(kind);
      return;
    }
    const lastLogIndex = this.log.lastIndex();
    const lastLogTerm = this.log.lastTerm();
    const type = kind === 'pre-election' ? 'PreVoteRequest' : 'VoteRequest';
    for (const voter of this.tracker.voters) {
      if (voter === this.id) continue;
      this.send({ type, term: campaignTerm, from: this.id, to: voter, lastLogIndex, lastLogTerm, leadershipTransfer: kind === 'transfer' });
    }
  }

  private winElection(kind: CampaignKind): void {
    if (kind === 'pre-election') this.campaign('election');
    else this.becomeLeader();
  }

  private handleVoteResponse(response: PreVoteResponse | VoteResponse): void {
    const outcome = this.tracker.recordVote(response.from, response.granted);
    if (outcome === 'won') this.winElection(this.role === 'pre-candidate' ? 'pre-election' : 'election');
    else if (outcome === 'lost') this.becomeFollower(this.term, NO_NODE);
  }

  // ---------------------------------------------------------------- per-role message handling

  private stepLeader(message: Message): void {
    switch (message.type) {
      case 'AppendRequest':
      case 'HeartbeatRequest':
      case 'InstallSnapshotRequest':
        throw new RaftInvariantError(`two leaders in term ${this.term}: ${this.id} and ${message.from}`);
      case 'AppendResponse':
        this.handleAppendResponse(message, this.tracker.progress(message.from));
        return;
      case 'HeartbeatResponse':
        this.handleHeartbeatResponse(message.from, this.tracker.progress(message.from));
        return;
      case 'InstallSnapshotResponse':
        this.handleInstallSnapshotResponse(message, this.tracker.progress(message.from));
        return;
      default:
        return; // stale vote responses, TimeoutNow: nothing to do
    }
  }

  private stepCandidate(message: Message): void {
    switch (message.type) {
      case 'AppendRequest':
      case 'HeartbeatRequest':
      case 'InstallSnapshotRequest':
        // Someone won this term: follow it.
        this.becomeFollower(message.term, message.from);
        this.stepFollower(message);
        return;
      case 'PreVoteResponse':
        if (this.role === 'pre-candidate') this.handleVoteResponse(message);
        return;
      case 'VoteResponse':
        if (this.role === 'candidate') this.handleVoteResponse(message);
        return;
      default:
        return;
    }
  }

  private stepFollower(message: Message): void {
    switch (message.type) {
      case 'AppendRequest':
      case 'HeartbeatRequest':
      case 'InstallSnapshotRequest':
        if (this.leaderId !== NO_NODE && this.leaderId !== message.from) {
          throw new RaftInvariantError(`two leaders in term ${this.term}: ${this.leaderId} and ${message.from}`);
        }
        this.electionElapsed = 0;
        this.leaderId = message.from;
        if (message.type === 'AppendRequest') this.handleAppendRequest(message);
        else if (message.type === 'HeartbeatRequest') this.handleHeartbeat(message);
        else this.handleInstallSnapshot(message);
        return;
      case 'TimeoutNow':
        // Leadership transfers skip the pre-vote: the leader asked us, nothing is partitioned.
        if (this.canCampaign()) this.campaign('transfer');
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- follower side of replication

  private handleAppendRequest(request: AppendRequest): void {
    if (request.prevLogIndex < this.log.committed) {
      // Everything up to our commit index matches any current leader's log.
      this.sendAppendAccepted(request.from, this.log.committed);
      return;
    }
    const lastNewIndex = this.log.maybeAppend(request.prevLogIndex, request.prevLogTerm, request.commit, request.entries);
    if (lastNewIndex !== undefined) {
      this.sendAppendAccepted(request.from, lastNewIndex);
      return;
    }
    // Our log does not hold (prevLogIndex, prevLogTerm). Point the leader at the last
    // entry that may still match: the leader's entries before prevLogIndex have terms
    // <= prevLogTerm, so any of ours with a higher term cannot match.
    const hint = this.log.findConflictByTerm(Math.min(request.prevLogIndex, this.log.lastIndex()), request.prevLogTerm);
    this.send({
      type: 'AppendResponse',
      term: this.term,
      from: this.id,
      to: request.from,
      reject: true,
      matchIndex: 0,
      rejectedIndex: request.prevLogIndex,
      conflictIndex: hint.index,
      conflictTerm: hint.term,
    });
  }

  private handleHeartbeat(request: HeartbeatRequest): void {
    // The leader sends min(our match, its commit): entries we are known to hold.
    this.log.commitTo(request.commit);
    this.send({ type: 'HeartbeatResponse', term: this.term, from: this.id, to: request.from });
  }

  private handleInstallSnapshot(request: InstallSnapshotRequest): void {
    const snapshot = request.snapshot;
    let matchIndex: number;
    if (snapshot.index <= this.log.committed) {
      matchIndex = this.log.committed; // old news
    } else if (this.log.matchTerm(snapshot.index, snapshot.term)) {
      // Our log already holds the snapshot's last entry, hence everything before it.
      this.log.commitTo(snapshot.index);
      matchIndex = this.log.committed;
    } else {
      if (!sameMembership(snapshot, this.tracker)) {
        throw new RaftInvariantError(`node ${this.id}: snapshot membership differs from the static membership`);
      }
      this.log.restore(snapshot);
      matchIndex = this.log.lastIndex();
    }
    this.send({ type: 'InstallSnapshotResponse', term: this.term, from: this.id, to: request.from, matchIndex });
  }

  private sendAppendAccepted(to: NodeId, matchIndex: number): void {
    this.send({
      type: 'AppendResponse',
      term: this.term,
      from: this.id,
      to,
      reject: false,
      matchIndex,
      rejectedIndex: 0,
      conflictIndex: 0,
      conflictTerm: 0,
    });
  }

  // ---------------------------------------------------------------- leader side of replication

  private handleAppendResponse(response: AppendResponse, progress: Progress): void {
    progress.recentActive = true;
    if (!response.reject) {
      this.handleMatched(response.from, progress, response.matchIndex);
      return;
    }
    // Skip our own entries that cannot match either: those after the hint whose term
    // is above the follower's term there (terms only grow along a log).
    const matchHint =
      response.conflictTerm > 0 ? this.log.findConflictByTerm(response.conflictIndex, response.conflictTerm).index : response.conflictIndex;
    if (progress.maybeDecreaseTo(response.rejectedIndex, matchHint)) {
      if (progress.state === 'replicate') progress.becomeProbe();
      this.sendAppend(response.from);
    }
  }

  private handleInstallSnapshotResponse(response: InstallSnapshotResponse, progress: Progress): void {
    progress.recentActive = true;
    // Installed or ignored, the snapshot is done with: probe from where the follower stands.
    if (progress.state === 'snapshot') progress.becomeProbe();
    this.handleMatched(response.from, progress, response.matchIndex);
  }

  private handleMatched(from: NodeId, progress: Progress, matchIndex: number): void {
    if (!progress.maybeUpdate(matchIndex) && !(progress.match === matchIndex && progress.state === 'probe')) return;
    if (progress.state === 'probe') {
      progress.becomeReplicate();
    } else if (progress.state === 'snapshot' && progress.match + 1 >= this.log.firstIndex()) {
      // The follower caught up through the log after all.
      progress.becomeProbe();
      progress.becomeReplicate();
    } else if (progress.state === 'replicate') {
      progress.inflights.freeUpTo(matchIndex);
    }
    if (this.maybeCommit()) this.broadcastAppend();
    // The follower may have missed the current commit index (e.g. it answered after the
    // broadcast that announced it, while its progress was paused): send it now.
    else if (progress.canBumpCommit(this.log.committed)) this.sendAppend(from);
    // Acknowledgements may have freed room for more in-flight requests: fill it.
    while (this.maybeSendAppend(from, false)) {
      // each round sends at least one entry and advances progress.next
    }
    if (from === this.leadTransferee && progress.match === this.log.lastIndex()) this.sendTimeoutNow(from);
  }

  private handleHeartbeatResponse(from: NodeId, progress: Progress): void {
    progress.recentActive = true;
    progress.appendFlowPaused = false;
    if (progress.state === 'snapshot' && this.ticksSinceStart - progress.snapshotSentAtTick >= this.config.electionTick) {
      // No answer to the snapshot within an election timeout while the follower is
      // alive: assume it was lost (the core hears of no transport failures) and probe again.
      progress.becomeProbe();
    }
    // Even when inflights are full this sends an (empty) append: if every request in
    // flight was lost, its answer is what unblocks replication.
    if (progress.match < this.log.lastIndex() || progress.state === 'probe') this.sendAppend(from);
  }

  private maybeCommit(): boolean {
    return this.log.maybeCommit(this.tracker.committedIndex(), this.term);
  }

  private sendAppend(to: NodeId): void {
    this.maybeSendAppend(to, true);
  }

  /**
   * Sends the entries `to` needs next, or a snapshot if they are compacted. Returns
   * whether a message was sent. An empty append (sendIfEmpty) still carries the commit
   * index and probes the follower's position.
   */
  private maybeSendAppend(to: NodeId, sendIfEmpty: boolean): boolean {
    const progress = this.tracker.progress(to);
    if (progress.isPaused()) return false;
    const prevLogIndex = progress.next - 1;
    invariant(prevLogIndex <= this.log.lastIndex(), 'progress.next is beyond the leader log');
    const prevLogTerm = this.log.term(prevLogIndex);
    if (prevLogTerm === undefined) return this.maybeSendSnapshot(to, progress);
    let entries: Entry[] = [];
    // With full inflights send only an empty append, see handleHeartbeatResponse.
    if (progress.state !== 'replicate' || !progress.inflights.full()) {
      const fetched = this.log.entriesFrom(progress.next, this.config.maxSizePerMsg);
      invariant(fetched !== undefined, 'entries after a readable term are compacted');
      entries = fetched;
    }
    if (entries.length === 0 && !sendIfEmpty) return false;
    this.send({ type: 'AppendRequest', term: this.term, from: this.id, to, prevLogIndex, prevLogTerm, entries, commit: this.log.committed });
    progress.sentEntries(entries.length, prevLogIndex + entries.length);
    progress.sentCommit = this.log.committed;
    return true;
  }

  private maybeSendSnapshot(to: NodeId, progress: Progress): boolean {
    // Only to a follower known to be alive: a snapshot can be large.
    if (!progress.recentActive) return false;
    const snapshot = this.log.snapshot();
    invariant(snapshot.index > 0, 'entries are compacted but there is no snapshot');
    progress.becomeSnapshot(snapshot.index, this.ticksSinceStart);
    this.send({ type: 'InstallSnapshotRequest', term: this.term, from: this.id, to, snapshot });
    return true;
  }

  private broadcastAppend(): void {
    for (const id of this.tracker.members) {
      if (id !== this.id) this.sendAppend(id);
    }
  }

  private broadcastHeartbeat(): void {
    for (const id of this.tracker.members) {
      if (id === this.id) continue;
      // Never more than the follower is known to hold: it must not commit past its log.
      const progress = this.tracker.progress(id);
      const commit = Math.min(progress.match, this.log.committed);
      this.send({ type: 'HeartbeatRequest', term: this.term, from: this.id, to: id, commit });
      progress.sentCommit = commit;
    }
  }

  private sendTimeoutNow(to: NodeId): void {
    this.send({ type: 'TimeoutNow', term: this.term, from: this.id, to });
  }

  private appendEntries(type: EntryType, data: Uint8Array): boolean {
    const size = data.byteLength;
    if (this.uncommittedSize > 0 && size > 0 && this.uncommittedSize + size > this.config.maxUncommittedEntriesSize) return false;
    this.uncommittedSize += size;
    // Our own progress is updated once the entry is persisted (afterPersist), not here.
    this.log.append([{ term: this.term, index: this.log.lastIndex() + 1, type, data }]);
    return true;
  }

  private send(message: Message): void {
    this.messages.push(message);
  }
}
