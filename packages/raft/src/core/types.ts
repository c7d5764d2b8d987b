/** Plain data types of the Raft core. Every value here is flat and serialisable. */

/** A node id. Ids are positive integers; `NO_NODE` (0) means "nobody". */
export type NodeId = number;
export const NO_NODE: NodeId = 0;

/** `noop` is the empty entry a new leader appends to commit entries of earlier terms. */
export type EntryType = 'normal' | 'noop';

export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly type: EntryType;
  readonly data: Uint8Array;
}

/** What a node must persist before it sends the messages of the same Ready. */
export interface HardState {
  readonly term: number;
  /** The candidate voted for in `term`, or `NO_NODE`. */
  readonly vote: NodeId;
  readonly commit: number;
}

export const EMPTY_HARD_STATE: HardState = { term: 0, vote: NO_NODE, commit: 0 };

export type Role = 'follower' | 'pre-candidate' | 'candidate' | 'leader';

/** Volatile state, reported for information (never persisted). */
export interface SoftState {
  readonly leaderId: NodeId;
  readonly role: Role;
}

/** The static cluster membership: voters elect and commit; observers only follow the log. */
export interface Membership {
  readonly voters: readonly NodeId[];
  readonly observers: readonly NodeId[];
}

/**
 * A snapshot of the application state machine covering every entry up to and
 * including `index` (whose term is `term`). `data` is opaque to the core.
 */
export interface Snapshot {
  readonly index: number;
  readonly term: number;
  readonly voters: readonly NodeId[];
  readonly observers: readonly NodeId[];
  readonly data: Uint8Array;
}

/** Bytes an entry counts for in size limits: its payload plus a fixed header estimate. */
export const ENTRY_HEADER_BYTES = 24;

export function entryBytes(entry: Entry): number {
  return entry.data.byteLength + ENTRY_HEADER_BYTES;
}

/**
 * The longest prefix of `entries` whose total size fits in `maxBytes`, but always at
 * least one entry, so that an oversized entry still makes progress.
 */
export function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    total += entryBytes(entries[i] as Entry);
    if (total > maxBytes && i > 0) {
      entries.length = i;
      break;
    }
  }
  return entries;
}

export function sameMembership(a: Membership, b: Membership): boolean {
  return sameIdSet(a.voters, b.voters) && sameIdSet(a.observers, b.observers);
}

function sameIdSet(a: readonly NodeId[], b: readonly NodeId[]): boolean {
  if (a.length !== b.length) return false;
  const sortedA = [...a].sort((x, y) => x - y);
  const sortedB = [...b].sort((x, y) => x - y);
  return sortedA.every((id, i) => id === sortedB[i]);
}
