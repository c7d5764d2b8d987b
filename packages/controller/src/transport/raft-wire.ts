import type {
  AppendRequest__Output,
  AppendResponse,
  AppendResponse__Output,
  Entry__Output,
  RaftHeartbeatRequest__Output,
  RaftHeartbeatResponse,
  RaftHeartbeatResponse__Output,
  TimeoutNowRequest__Output,
  VoteRequest__Output,
  VoteResponse,
  VoteResponse__Output,
  AppendRequest as WireAppendRequest,
  Entry as WireEntry,
  RaftHeartbeatRequest as WireHeartbeatRequest,
  TimeoutNowRequest as WireTimeoutNowRequest,
  VoteRequest as WireVoteRequest,
} from '@quill/proto';
import type { Entry, Message, NodeId } from '@quill/raft';

// Pure conversions between the Raft core's messages and raft.proto, one function per direction.

type Of<T extends Message['type']> = Extract<Message, { type: T }>;

const toWireEntryType = (type: Entry['type']): NonNullable<WireEntry['type']> => (type === 'noop' ? 'ENTRY_TYPE_NO_OP' : 'ENTRY_TYPE_NORMAL');

function fromWireEntry(entry: Entry__Output): Entry {
  return { term: entry.term, index: entry.index, type: entry.type === 'ENTRY_TYPE_NO_OP' ? 'noop' : 'normal', data: entry.data };
}

export function voteRequestToWire(clusterId: string, m: Of<'VoteRequest'> | Of<'PreVoteRequest'>): WireVoteRequest {
  return {
    clusterId,
    destinationId: m.to,
    term: m.term,
    candidateId: m.from,
    lastLogIndex: m.lastLogIndex,
    lastLogTerm: m.lastLogTerm,
    preVote: m.type === 'PreVoteRequest',
    leaderTransfer: m.leadershipTransfer,
  };
}

export function voteRequestFromWire(w: VoteRequest__Output): Of<'VoteRequest'> | Of<'PreVoteRequest'> {
  return {
    type: w.preVote ? 'PreVoteRequest' : 'VoteRequest',
    term: w.term,
    from: w.candidateId,
    to: w.destinationId,
    lastLogIndex: w.lastLogIndex,
    lastLogTerm: w.lastLogTerm,
    leadershipTransfer: w.leaderTransfer,
  };
}

export function voteResponseToWire(m: Of<'VoteResponse'> | Of<'PreVoteResponse'>): VoteResponse {
  return { term: m.term, voteGranted: m.granted, preVote: m.type === 'PreVoteResponse', voterId: m.from };
}

export function voteResponseFromWire(w: VoteResponse__Output, to: NodeId): Of<'VoteResponse'> | Of<'PreVoteResponse'> {
  return { type: w.preVote ? 'PreVoteResponse' : 'VoteResponse', term: w.term, from: w.voterId, to, granted: w.voteGranted };
}

export function appendRequestToWire(clusterId: string, m: Of<'AppendRequest'>): WireAppendRequest {
  return {
    clusterId,
    destinationId: m.to,
    term: m.term,
    leaderId: m.from,
    prevLogIndex: m.prevLogIndex,
    prevLogTerm: m.prevLogTerm,
    entries: m.entries.map((e) => ({ term: e.term, index: e.index, type: toWireEntryType(e.type), data: e.data })),
    leaderCommit: m.commit,
  };
}

export function appendRequestFromWire(w: AppendRequest__Output): Of<'AppendRequest'> {
  return {
    type: 'AppendRequest',
    term: w.term,
    from: w.leaderId,
    to: w.destinationId,
    prevLogIndex: w.prevLogIndex,
    prevLogTerm: w.prevLogTerm,
    entries: w.entries.map(fromWireEntry),
    commit: w.leaderCommit,
  };
}

export function appendResponseToWire(m: Of<'AppendResponse'>): AppendResponse {
  return {
    term: m.term,
    success: !m.reject,
    followerId: m.from,
    matchIndex: m.matchIndex,
    conflictTerm: m.conflictTerm,
    conflictIndex: m.conflictIndex,
    rejectedIndex: m.rejectedIndex,
  };
}

export function appendResponseFromWire(w: AppendResponse__Output, to: NodeId): Of<'AppendResponse'> {
  return {
    type: 'AppendResponse',
    term: w.term,
    from: w.followerId,
    to,
    reject: !w.success,
    matchIndex: w.matchIndex,
    rejectedIndex: w.rejectedIndex,
    conflictIndex: w.conflictIndex,
    conflictTerm: w.conflictTerm,
  };
}

export function heartbeatToWire(clusterId: string, m: Of<'HeartbeatRequest'>): WireHeartbeatRequest {
  return { clusterId, destinationId: m.to, term: m.term, leaderId: m.from, commit: m.commit };
}

export function heartbeatFromWire(w: RaftHeartbeatRequest__Output): Of<'HeartbeatRequest'> {
  return { type: 'HeartbeatRequest', term: w.term, from: w.leaderId, to: w.destinationId, commit: w.commit };
}

export function heartbeatResponseToWire(m: Of<'HeartbeatResponse'>): RaftHeartbeatResponse {
  return { term: m.term, followerId: m.from };
}

export function heartbeatResponseFromWire(w: RaftHeartbeatResponse__Output, to: NodeId): Of<'HeartbeatResponse'> {
  return { type: 'HeartbeatResponse', term: w.term, from: w.followerId, to };
}

export function timeoutNowToWire(clusterId: string, m: Of<'TimeoutNow'>): WireTimeoutNowRequest {
  return { clusterId, destinationId: m.to, term: m.term, leaderId: m.from };
}

export function timeoutNowFromWire(w: TimeoutNowRequest__Output): Of<'TimeoutNow'> {
  return { type: 'TimeoutNow', term: w.term, from: w.leaderId, to: w.destinationId };
}
