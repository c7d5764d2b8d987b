/**
 * Messages between Raft nodes. Each is a flat object with a `type` discriminant, so a
 * transport can map it 1:1 onto a wire message. Every message carries the sender's
 * term at the time it was created; messages are never mutated after creation (a
 * network may deliver the same object twice).
 */
import type { Entry, NodeId, Snapshot } from './types.js';

interface Envelope {
  readonly term: number;
  readonly from: NodeId;
  readonly to: NodeId;
}

interface CandidacyFields {
  readonly lastLogIndex: number;
  readonly lastLogTerm: number;
  /** Set when the election was started by a leadership transfer: it bypasses the leader lease. */
  readonly leadershipTransfer: boolean;
}

/**
 * Asks whether the receiver would vote for the sender in `term` (the sender's term + 1)
 * without anyone changing term: a node cut off from the cluster cannot disrupt it.
 */
export interface PreVoteRequest extends Envelope, CandidacyFields {
  readonly type: 'PreVoteRequest';
}

export interface PreVoteResponse extends Envelope {
  readonly type: 'PreVoteResponse';
  readonly granted: boolean;
}

export interface VoteRequest extends Envelope, CandidacyFields {
  readonly type: 'VoteRequest';
}

export interface VoteResponse extends Envelope {
  readonly type: 'VoteResponse';
  readonly granted: boolean;
}

/** Replicates `entries`, which follow the entry (prevLogIndex, prevLogTerm) in the leader's log. */
export interface AppendRequest extends Envelope {
  readonly type: 'AppendRequest';
  readonly prevLogIndex: number;
  readonly prevLogTerm: number;
  readonly entries: readonly Entry[];
  /** The leader's commit index. */
  readonly commit: number;
}

/**
 * Answers an AppendRequest. On success `matchIndex` is the last index known to match
 * the leader's log (and the other fields are 0). On rejection `rejectedIndex` is the
 * request's prevLogIndex, and (conflictIndex, conflictTerm) is the follower's guess of
 * the last entry both logs may share: the largest index <= the rejected one whose term
 * is <= the request's prevLogTerm (conflictTerm 0 if unknown). It lets the leader skip a
 * whole divergent term per round trip instead of one entry.
 */
export interface AppendResponse extends Envelope {
  readonly type: 'AppendResponse';
  readonly reject: boolean;
  readonly matchIndex: number;
  readonly rejectedIndex: number;
  readonly conflictIndex: number;
  readonly conflictTerm: number;
}

/** Keeps followers from campaigning; carries a commit index the follower is known to hold. */
export interface HeartbeatRequest extends Envelope {
  readonly type: 'HeartbeatRequest';
  readonly commit: number;
}

export interface HeartbeatResponse extends Envelope {
  readonly type: 'HeartbeatResponse';
}

/** Sends the whole snapshot; splitting it into chunks is the transport's job. */
export interface InstallSnapshotRequest extends Envelope {
  readonly type: 'InstallSnapshotRequest';
  readonly snapshot: Snapshot;
}

/** `matchIndex`: the follower's last index after installing (or its commit index if it ignored the snapshot). */
export interface InstallSnapshotResponse extends Envelope {
  readonly type: 'InstallSnapshotResponse';
  readonly matchIndex: number;
}

/** Tells a caught-up follower to campaign at once: the last step of a leadership transfer. */
export interface TimeoutNow extends Envelope {
  readonly type: 'TimeoutNow';
}

export type Message =
  | PreVoteRequest
  | PreVoteResponse
  | VoteRequest
  | VoteResponse
  | AppendRequest
  | AppendResponse
  | HeartbeatRequest
  | HeartbeatResponse
  | InstallSnapshotRequest
  | InstallSnapshotResponse
  | TimeoutNow;
