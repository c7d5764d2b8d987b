import { CompactedError, invariant, RaftInvariantError, UnavailableError } from './errors.js';
import type { RaftStorage } from './storage.js';
import { limitSize, type Entry, type Snapshot } from './types.js';
import { UnstableLog } from './unstable-log.js';

/**
 * The node's view of its log: what storage holds durably, overlaid by the unstable
 * part (an incoming snapshot and entries not yet persisted), plus the commit and
 * apply positions. Invariant: applied <= committed <= lastIndex().
 */
export class RaftLog {
  readonly unstable: UnstableLog;
  /** The highest index known to be committed. */
  committed: number;
  /** The highest index the caller has applied (acknowledged through `advance`). */
  applied: number;

  constructor(
    readonly storage: RaftStorage,
    private readonly maxCommittedSizePerReady: number,
  ) {
    this.unstable = new UnstableLog(storage.lastIndex() + 1);
    this.committed = storage.firstIndex() - 1;
    this.applied = this.committed;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  lastTerm(): number {
    const term = this.term(this.lastIndex());
    invariant(term !== undefined, 'raft log: the last entry has no term');
    return term;
  }

  /** The term of the entry at `index`, or undefined if it is compacted or beyond the log. */
  term(index: number): number | undefined {
    const unstableTerm = this.unstable.maybeTerm(index);
    if (unstableTerm !== undefined) return unstableTerm;
    if (index < this.firstIndex() - 1 || index > this.lastIndex()) return undefined;
    try {
      return this.storage.term(index);
    } catch (error) {
      if (error instanceof CompactedError || error instanceof UnavailableError) return undefined;
      throw error;
    }
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Whether a log ending at (lastIndex, lastTerm) is at least as up to date as this one (Raft §5.4.1). */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    const ourLastTerm = this.lastTerm();
    return lastTerm > ourLastTerm || (lastTerm === ourLastTerm && lastIndex >= this.lastIndex());
  }

  /**
   * Appends the leader's entries that follow (prevIndex, prevTerm) if that entry is in
   * our log (the log-matching check), truncating a conflicting tail. Returns the index
   * of the last entry the leader sent, or undefined if our log does not match.
   */
  maybeAppend(prevIndex: number, prevTerm: number, leaderCommit: number, entries: readonly Entry[]): number | undefined {
    if (!this.matchTerm(prevIndex, prevTerm)) return undefined;
    const lastNewIndex = prevIndex + entries.length;
    const conflictIndex = this.findConflict(entries);
    if (conflictIndex !== 0) {
      if (conflictIndex <= this.committed) {
        throw new RaftInvariantError(`entry ${conflictIndex} conflicts with committed entry (committed ${this.committed})`);
      }
      this.append(entries.slice(conflictIndex - (prevIndex + 1)));
    }
    this.commitTo(Math.min(leaderCommit, lastNewIndex));
    return lastNewIndex;
  }

  /** Appends consecutive entries, replacing any entries from entries[0].index on. Returns the new last index. */
  append(entries: readonly Entry[]): number {
    const first = entries[0];
    if (first === undefined) return this.lastIndex();
    if (first.index - 1 < this.committed) {
      throw new RaftInvariantError(`append at ${first.index} would overwrite committed entries (committed ${this.committed})`);
    }
    invariant(first.index <= this.lastIndex() + 1, 'raft log: append leaves a gap');
    this.unstable.truncateAndAppend(entries);
    return this.lastIndex();
  }

  /**
   * The index of the first of `entries` that is missing from our log or has another
   * term there; 0 if our log already holds them all.
   */
  findConflict(entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index;
    }
    return 0;
  }

  /**
   * The largest index <= `index` whose term is <= `term`, with that term: the last
   * position where our log may match a log whose entry at `index` has term `term`.
   * Term 0 means unknown (compacted), which tells the leader to trust the index alone.
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let candidate = index; candidate > 0; candidate--) {
      const candidateTerm = this.term(candidate);
      if (candidateTerm === undefined) return { index: candidate, term: 0 };
      if (candidateTerm <= term) return { index: candidate, term: candidateTerm };
    }
    return { index: 0, term: 0 };
  }

  /** Entries from `lo` to the end of the log, limited to `maxBytes`; undefined if `lo` is compacted. */
  entriesFrom(lo: number, maxBytes: number): Entry[] | undefined {
    if (lo > this.lastIndex()) return [];
    return this.slice(lo, this.lastIndex() + 1, maxBytes);
  }

  /** Entries in [lo, hi) limited to `maxBytes` (at least one); undefined if `lo` is compacted. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] | undefined {
    invariant(lo <= hi && hi <= this.lastIndex() + 1, 'raft log: slice beyond the last index');
    if (lo < this.firstIndex()) return undefined;
    if (lo === hi) return [];
    const unstableOffset = this.unstable.offset;
    let result: Entry[] = [];
    if (lo < unstableOffset) {
      const storedHi = Math.min(hi, unstableOffset);
      try {
        result = this.storage.entries(lo, storedHi, maxBytes);
      } catch (error) {
        if (error instanceof CompactedError) return undefined;
        throw error;
      }
      if (result.length < storedHi - lo) return result;
    }
    if (hi > unstableOffset) {
      const fromUnstable = this.unstable.slice(Math.max(lo, unstableOffset), hi);
      result = result.length === 0 ? fromUnstable : result.concat(fromUnstable);
    }
    return limitSize(result, maxBytes);
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) {
      throw new RaftInvariantError(`commit index ${index} is beyond the last index ${this.lastIndex()}`);
    }
    this.committed = index;
  }

  /** Commits up to `index` if that entry belongs to `term`: a leader commits only entries of its own term by counting. */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  appliedTo(index: number): void {
    if (index <= this.applied) return;
    invariant(index <= this.committed, 'raft log: applied beyond the commit index');
    this.applied = index;
  }

  hasPendingSnapshot(): boolean {
    return this.unstable.snapshot !== undefined;
  }

  /** Committed entries not yet handed out for applying (none while a snapshot waits to be applied first). */
  hasNextCommittedEntries(): boolean {
    return !this.hasPendingSnapshot() && this.committed > this.applied;
  }

  nextCommittedEntries(): Entry[] {
    if (!this.hasNextCommittedEntries()) return [];
    const entries = this.slice(this.applied + 1, this.committed + 1, this.maxCommittedSizePerReady);
    invariant(entries !== undefined, 'raft log: unapplied committed entries are compacted');
    return entries;
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  /** Replaces the log with a snapshot from the leader (a follower whose log lacks the snapshot's last entry). */
  restore(snapshot: Snapshot): void {
    invariant(snapshot.index > this.committed, 'raft log: restoring a snapshot at or below the commit index');
    this.committed = snapshot.index;
    this.unstable.restore(snapshot);
  }

  /**
   * The last index of our log that is durably persisted: storage's entries below the
   * unstable offset (entries from the offset on are unwritten or being overwritten).
   */
  persistedLastIndex(): number {
    return Math.min(this.storage.lastIndex(), this.unstable.offset - 1);
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  stableSnapshotTo(index: number): void {
    this.unstable.stableSnapshotTo(index);
  }
}
