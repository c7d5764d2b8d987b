import { RaftConfigError } from './errors.js';
import type { Random } from '@quill/random';
import type { Membership, NodeId } from './types.js';

/** Configuration of one Raft node. Times are logical ticks: the caller decides how long a tick is. */
export interface RaftConfig {
  readonly id: NodeId;
  /** The static voter set (3 or 5 in Quill). Must contain `id` unless `id` is an observer. */
  readonly voters: readonly NodeId[];
  /** Non-voting members that receive the log but never vote nor count toward a quorum. */
  readonly observers?: readonly NodeId[];
  /** The only source of randomness (election timeout jitter). */
  readonly random: Random;
  /** Ticks without hearing from a leader before a follower campaigns (randomised in [n, 2n)). Default 10. */
  readonly electionTick?: number;
  /** Ticks between a leader's heartbeats. Default 1. */
  readonly heartbeatTick?: number;
  /** Bytes of entries per AppendRequest (at least one entry is always sent). Default 1 MiB. */
  readonly maxSizePerMsg?: number;
  /** AppendRequests in flight to one follower while replicating optimistically. Default 256. */
  readonly maxInflightMsgs?: number;
  /** Bytes of committed entries handed out by one Ready. Default 4 MiB. */
  readonly maxCommittedSizePerReady?: number;
  /** Payload bytes a leader accepts into its log before they commit; more proposals are refused. Default 64 MiB. */
  readonly maxUncommittedEntriesSize?: number;
  /** A leader that has not heard from a quorum within an election timeout steps down. Default true. */
  readonly checkQuorum?: boolean;
  /** Run a pre-vote round before bumping the term, so a partitioned node cannot disrupt the cluster. Default true. */
  readonly preVote?: boolean;
}

export type ResolvedRaftConfig = Required<Omit<RaftConfig, 'observers'>> & { readonly observers: readonly NodeId[] };

/** Upper bounds on membership: a quorum larger than this is a configuration mistake. */
export const VOTERS_MAX = 9;
export const OBSERVERS_MAX = 256;

const DEFAULTS = {
  electionTick: 10,
  heartbeatTick: 1,
  maxSizePerMsg: 1024 * 1024,
  maxInflightMsgs: 256,
  maxCommittedSizePerReady: 4 * 1024 * 1024,
  maxUncommittedEntriesSize: 64 * 1024 * 1024,
  checkQuorum: true,
  preVote: true,
} as const;

export function resolveConfig(config: RaftConfig): ResolvedRaftConfig {
  const resolved: ResolvedRaftConfig = { ...DEFAULTS, ...config, observers: config.observers ?? [] };
  validate(resolved);
  return resolved;
}

export function membershipOf(config: ResolvedRaftConfig): Membership {
  return { voters: config.voters, observers: config.observers };
}

function validate(config: ResolvedRaftConfig): void {
  const ids = [...config.voters, ...config.observers];
  if (!isNodeId(config.id)) fail(`id must be a positive integer, got ${config.id}`);
  if (!ids.every(isNodeId)) fail('voter and observer ids must be positive integers');
  if (new Set(ids).size !== ids.length) fail('voter and observer ids must be distinct');
  if (config.voters.length < 1 || config.voters.length > VOTERS_MAX) fail(`need 1..${VOTERS_MAX} voters, got ${config.voters.length}`);
  if (config.observers.length > OBSERVERS_MAX) fail(`at most ${OBSERVERS_MAX} observers`);
  if (!ids.includes(config.id)) fail(`node ${config.id} is neither a voter nor an observer`);
  if (!isPositiveInteger(config.heartbeatTick)) fail('heartbeatTick must be a positive integer');
  if (!isPositiveInteger(config.electionTick) || config.electionTick <= config.heartbeatTick) {
    fail('electionTick must be an integer greater than heartbeatTick');
  }
  for (const key of ['maxSizePerMsg', 'maxInflightMsgs', 'maxCommittedSizePerReady', 'maxUncommittedEntriesSize'] as const) {
    if (!isPositiveInteger(config[key])) fail(`${key} must be a positive integer`);
  }
}

function isNodeId(id: number): boolean {
  return isPositiveInteger(id);
}

function isPositiveInteger(value: number): boolean {
  return Number.isSafeInteger(value) && value > 0;
}

function fail(message: string): never {
  throw new RaftConfigError(message);
}
