/** The events of a simulation, and how a trace and the run's fingerprint render them. */
import type { Message } from '../core/messages.js';
import type { SimNode } from './sim-node.js';

export type SimEvent =
  | { readonly kind: 'tick'; readonly node: SimNode; readonly incarnation: number }
  | { readonly kind: 'fsync'; readonly node: SimNode; readonly incarnation: number }
  | { readonly kind: 'restart'; readonly node: SimNode; readonly incarnation: number }
  | { readonly kind: 'deliver'; readonly message: Message }
  | { readonly kind: 'chaos' }
  | { readonly kind: 'client' };

/** Distinct codes for event kinds and message types, folded into the run's fingerprint. */
const CODES: ReadonlyMap<string, number> = new Map(
  [
    'tick',
    'fsync',
    'restart',
    'chaos',
    'client',
    'PreVoteRequest',
    'PreVoteResponse',
    'VoteRequest',
    'VoteResponse',
    'AppendRequest',
    'AppendResponse',
    'HeartbeatRequest',
    'HeartbeatResponse',
    'InstallSnapshotRequest',
    'InstallSnapshotResponse',
    'TimeoutNow',
  ].map((name, i) => [name, i + 1]),
);

/** A number identifying the event (what happened to which node), for the run's fingerprint. */
export function eventCode(event: SimEvent): number {
  switch (event.kind) {
    case 'tick':
    case 'fsync':
    case 'restart':
      return ((CODES.get(event.kind) ?? 0) << 8) | event.node.id;
    case 'deliver':
      return ((CODES.get(event.message.type) ?? 0) << 16) | (event.message.from << 8) | event.message.to;
    default:
      return CODES.get(event.kind) ?? 0;
  }
}

export function describeEvent(event: SimEvent): string {
  switch (event.kind) {
    case 'tick':
    case 'fsync':
    case 'restart':
      return `${event.kind} ${event.node.id}`;
    case 'deliver':
      return `deliver ${describeMessage(event.message)}`;
    default:
      return event.kind;
  }
}

function describeMessage(message: Message): string {
  const head = `${message.type} ${message.from}->${message.to} t${message.term}`;
  switch (message.type) {
    case 'AppendRequest':
      return `${head} prev (${message.prevLogIndex}, ${message.prevLogTerm}) entries ${message.entries.length} commit ${message.commit}`;
    case 'AppendResponse':
      return message.reject
        ? `${head} reject ${message.rejectedIndex} hint (${message.conflictIndex}, ${message.conflictTerm})`
        : `${head} match ${message.matchIndex}`;
    case 'VoteRequest':
    case 'PreVoteRequest':
      return `${head} last (${message.lastLogIndex}, ${message.lastLogTerm})${message.leadershipTransfer ? ' transfer' : ''}`;
    case 'VoteResponse':
    case 'PreVoteResponse':
      return `${head} ${message.granted ? 'granted' : 'rejected'}`;
    case 'HeartbeatRequest':
      return `${head} commit ${message.commit}`;
    case 'InstallSnapshotRequest':
      return `${head} snapshot (${message.snapshot.index}, ${message.snapshot.term})`;
    case 'InstallSnapshotResponse':
      return `${head} match ${message.matchIndex}`;
    default:
      return head;
  }
}
