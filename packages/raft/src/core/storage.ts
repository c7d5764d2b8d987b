/**
 * The storage the caller provides (etcd style): a narrow, read-only view of what has
 * been durably persisted. The core never writes to it; the caller persists each
 * Ready's snapshot, entries and hard state, then calls `advance`.
 *
 * Reads outside the available range throw the named errors `CompactedError` (at or
 * before the snapshot) and `UnavailableError` (beyond the last entry).
 */
import type { Entry, HardState, Membership, Snapshot } from './types.js';

export interface InitialState {
  readonly hardState: HardState;
  readonly membership: Membership;
}

export interface RaftStorage {
  /** The persisted hard state and membership, read once when a node starts. */
  initialState(): InitialState;
  /**
   * Entries with indexes in [lo, hi), their total size limited to `maxBytes` (but at
   * least one entry if lo < hi). Throws CompactedError if lo < firstIndex(),
   * UnavailableError if hi > lastIndex() + 1.
   */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** The term of the entry at `index`, for firstIndex() - 1 <= index <= lastIndex() (firstIndex() - 1 is the snapshot's). */
  term(index: number): number;
  /** The first index still in the log (the snapshot's index + 1). */
  firstIndex(): number;
  /** The last index in the log (the snapshot's index if the log is empty). */
  lastIndex(): number;
  /** The most recent snapshot. */
  snapshot(): Snapshot;
}
