/** Typed outcomes of the node's inputs: expected refusals are values, not exceptions. */
import type { NodeId } from './types.js';

export type ProposeResult =
  /** Appended to the leader's log at (index, term); committed once a quorum persists it, unless a new leader overwrites it. */
  | { readonly ok: true; readonly index: number; readonly term: number }
  /** Only the leader accepts proposals; `leaderHint` is the leader this node knows of, or NO_NODE. */
  | { readonly ok: false; readonly reason: 'NotLeader'; readonly leaderHint: NodeId }
  /** The leader is handing over to `leaderHint`; retry there. */
  | { readonly ok: false; readonly reason: 'LeadershipTransferInProgress'; readonly leaderHint: NodeId }
  /** Too many uncommitted bytes in the leader's log (maxUncommittedEntriesSize); retry later. */
  | { readonly ok: false; readonly reason: 'UncommittedLimitReached'; readonly leaderHint: NodeId };

export type TransferLeadershipResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'NotLeader'; readonly leaderHint: NodeId }
  | { readonly ok: false; readonly reason: 'AlreadyLeader' }
  | { readonly ok: false; readonly reason: 'NotAVoter' };

export type StepResult =
  | { readonly ok: true }
  | { readonly ok: false; readonly reason: 'WrongRecipient' | 'UnknownSender' | 'MalformedMessage'; readonly detail: string };
