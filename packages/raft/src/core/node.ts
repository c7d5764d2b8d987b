import { resolveConfig, type RaftConfig } from './config.js';
import { invariant } from './errors.js';
import type { Message } from './messages.js';
import type { ReplicationState } from './progress.js';
import { Raft } from './raft.js';
import type { Ready } from './ready.js';
import type { ProposeResult, StepResult, TransferLeadershipResult } from './results.js';
import type { RaftStorage } from './storage.js';
import type { HardState, NodeId, Role, SoftState } from './types.js';

/** A point-in-time view of a node, for inspection and metrics. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly role: Role;
  readonly term: number;
  readonly vote: NodeId;
  readonly leaderId: NodeId;
  readonly commit: number;
  readonly applied: number;
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly leadTransferee: NodeId;
}

/** A leader's view of one follower. */
export interface FollowerProgress {
  readonly match: number;
  readonly next: number;
  readonly state: ReplicationState;
  readonly recentActive: boolean;
}

/**
 * A Raft node driven synchronously, like etcd's RawNode: feed it `tick()`, `step()`,
 * `propose()` and `transferLeadership()`; whenever `hasReady()`, take the `ready()`,
 * carry it out (see `Ready` for the order: persist before send) and `advance()` it.
 * It never reads a clock, performs I/O or draws unseeded randomness.
 */
export class RaftNode {
  private readonly raft: Raft;
  private lastHardState: HardState;
  private lastSoftState: SoftState;
  /** The Ready handed out and not yet advanced. */
  private outstanding: Ready | undefined = undefined;

  constructor(config: RaftConfig, storage: RaftStorage) {
    this.raft = new Raft(resolveConfig(config), storage);
    this.lastHardState = this.raft.hardState();
    this.lastSoftState = this.raft.softState();
  }

  get id(): NodeId {
    return this.raft.id;
  }

  /** Advances logical time by one tick (election and heartbeat timers). */
  tick(): void {
    this.raft.tick();
  }

  /** Takes a message from a peer. Malformed or misaddressed messages are refused, never thrown. */
  step(message: Message): StepResult {
    const problem = this.checkMessage(message);
    if (problem !== undefined) return problem;
    this.raft.step(message);
    return { ok: true };
  }

  /** Proposes an entry; only the leader accepts it (see ProposeResult for the refusals). */
  propose(data: Uint8Array): ProposeResult {
    return this.raft.propose(data);
  }

  /** Asks this leader to hand leadership to the voter `to` (it catches `to` up, then sends TimeoutNow). */
  transferLeadership(to: NodeId): TransferLeadershipResult {
    return this.raft.transferLeadership(to);
  }

  hasReady(): boolean {
    if (this.outstanding !== undefined) return false;
    const raft = this.raft;
    return (
      raft.messages.length > 0 ||
      raft.log.unstable.entries.length > 0 ||
      raft.log.hasPendingSnapshot() ||
      raft.log.hasNextCommittedEntries() ||
      !sameHardState(raft.hardState(), this.lastHardState) ||
      !sameSoftState(raft.softState(), this.lastSoftState)
    );
  }

  /** The work to do now (see Ready). Only one Ready is outstanding at a time. */
  ready(): Ready {
    invariant(this.outstanding === undefined, 'ready() called before the previous Ready was advanced');
    const raft = this.raft;
    const hardState = raft.hardState();
    const softState = raft.softState();
    const hardStateChanged = !sameHardState(hardState, this.lastHardState);
    const entries = raft.log.unstable.entries.slice();
    const snapshot = raft.log.unstable.snapshot;
    const ready: Ready = {
      hardState: hardStateChanged ? hardState : undefined,
      softState: sameSoftState(softState, this.lastSoftState) ? undefined : softState,
      snapshot,
      entries,
      mustSync:
        entries.length > 0 ||
        snapshot !== undefined ||
        (hardStateChanged && (hardState.term !== this.lastHardState.term || hardState.vote !== this.lastHardState.vote)),
      messages: raft.takeMessages(),
      committedEntries: raft.log.nextCommittedEntries(),
    };
    this.lastHardState = hardState;
    this.lastSoftState = softState;
    this.outstanding = ready;
    return ready;
  }

  readyIfAny(): Ready | undefined {
    return this.hasReady() ? this.ready() : undefined;
  }

  /** Acknowledges that `ready` was carried out: persisted, sent and applied. */
  advance(ready: Ready): void {
    invariant(ready === this.outstanding, 'advance() must be given the Ready last returned by ready()');
    this.outstanding = undefined;
    const log = this.raft.log;
    if (ready.snapshot !== undefined) {
      log.stableSnapshotTo(ready.snapshot.index);
      log.appliedTo(ready.snapshot.index);
    }
    const lastEntry = ready.entries.at(-1);
    if (lastEntry !== undefined) log.stableTo(lastEntry.index, lastEntry.term);
    const lastApplied = ready.committedEntries.at(-1);
    if (lastApplied !== undefined) {
      log.appliedTo(lastApplied.index);
      this.raft.reduceUncommittedSize(ready.committedEntries);
    }
    this.raft.afterPersist();
  }

  status(): RaftStatus {
    const raft = this.raft;
    return {
      id: raft.id,
      role: raft.role,
      term: raft.term,
      vote: raft.vote,
      leaderId: raft.leaderId,
      commit: raft.log.committed,
      applied: raft.log.applied,
      firstIndex: raft.log.firstIndex(),
      lastIndex: raft.log.lastIndex(),
      leadTransferee: raft.leadTransferee,
    };
  }

  get role(): Role {
    return this.raft.role;
  }

  get term(): number {
    return this.raft.term;
  }

  get commitIndex(): number {
    return this.raft.log.committed;
  }

  /** The first index still in this node's log (its snapshot's index + 1). */
  get firstIndex(): number {
    return this.raft.log.firstIndex();
  }

  get lastIndex(): number {
    return this.raft.log.lastIndex();
  }

  /** The term of the entry at `index` in this node's log (unstable entries included), if present. */
  termAt(index: number): number | undefined {
    return this.raft.log.term(index);
  }

  /** A leader's view of a follower; undefined on a non-leader. */
  followerProgress(id: NodeId): FollowerProgress | undefined {
    if (this.raft.role !== 'leader' || !this.raft.tracker.isMember(id)) return undefined;
    const { match, next, state, recentActive } = this.raft.tracker.progress(id);
    return { match, next, state, recentActive };
  }

  private checkMessage(message: Message): StepResult | undefined {
    if (message.to !== this.raft.id) return refuse('WrongRecipient', `message for ${message.to} delivered to ${this.raft.id}`);
    if (message.from === this.raft.id || !this.raft.tracker.isMember(message.from)) {
      return refuse('UnknownSender', `${message.from} is not a peer of ${this.raft.id}`);
    }
    if (!isIndex(message.term)) return refuse('MalformedMessage', `bad term ${message.term}`);
    switch (message.type) {
      case 'AppendRequest':
        return checkAppendRequest(message);
      case 'InstallSnapshotRequest':
        return message.snapshot.index > 0 && isIndex(message.snapshot.index) && message.snapshot.term <= message.term
          ? undefined
          : refuse('MalformedMessage', 'snapshot index or term out of range');
      default:
        return undefined;
    }
  }
}

/** Entries must follow prevLogIndex without gaps, with terms that never decrease and never exceed the leader's. */
function checkAppendRequest(request: Extract<Message, { type: 'AppendRequest' }>): StepResult | undefined {
  if (!isIndex(request.prevLogIndex) || !isIndex(request.prevLogTerm) || !isIndex(request.commit)) {
    return refuse('MalformedMessage', 'negative or non-integer index');
  }
  let previousTerm = request.prevLogTerm;
  for (let i = 0; i < request.entries.length; i++) {
    const entry = request.entries[i];
    if (entry === undefined || entry.index !== request.prevLogIndex + 1 + i || entry.term < previousTerm || entry.term > request.term) {
      return refuse('MalformedMessage', `entry ${i} breaks the sequence after (${request.prevLogIndex}, ${request.prevLogTerm})`);
    }
    previousTerm = entry.term;
  }
  return undefined;
}

function isIndex(value: number): boolean {
  return Number.isSafeInteger(value) && value >= 0;
}

function refuse(reason: 'WrongRecipient' | 'UnknownSender' | 'MalformedMessage', detail: string): StepResult {
  return { ok: false, reason, detail };
}

function sameHardState(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameSoftState(a: SoftState, b: SoftState): boolean {
  return a.leaderId === b.leaderId && a.role === b.role;
}
