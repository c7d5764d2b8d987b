import { CompactedError, invariant, UnavailableError } from './errors.js';
import type { InitialState, RaftStorage } from './storage.js';
import { EMPTY_HARD_STATE, limitSize, type Entry, type HardState, type Membership, type Snapshot } from './types.js';

/**
 * RaftStorage held in memory: used by tests and the simulator (where it plays the
 * disk), and wrapped by durable storage elsewhere. The write methods are the caller's
 * side of the Ready contract: persist the snapshot, then the entries, then the hard state.
 */
export class MemoryStorage implements RaftStorage {
  private hardState: HardState = EMPTY_HARD_STATE;
  private latestSnapshot: Snapshot;
  /** entries[i] has index latestSnapshot.index + 1 + i. */
  private log: Entry[] = [];

  constructor(membership: Membership) {
    this.latestSnapshot = { index: 0, term: 0, voters: membership.voters, observers: membership.observers, data: new Uint8Array(0) };
  }

  initialState(): InitialState {
    return {
      hardState: this.hardState,
      membership: { voters: this.latestSnapshot.voters, observers: this.latestSnapshot.observers },
    };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    invariant(lo <= hi, 'storage.entries: lo > hi');
    const offset = this.latestSnapshot.index + 1;
    if (lo < offset) throw new CompactedError(lo, offset);
    if (hi > this.lastIndex() + 1) throw new UnavailableError(hi - 1, this.lastIndex());
    return limitSize(this.log.slice(lo - offset, hi - offset), maxBytes);
  }

  term(index: number): number {
    const snapshotIndex = this.latestSnapshot.index;
    if (index < snapshotIndex) throw new CompactedError(index, snapshotIndex + 1);
    if (index === snapshotIndex) return this.latestSnapshot.term;
    const entry = this.log[index - snapshotIndex - 1];
    if (entry === undefined) throw new UnavailableError(index, this.lastIndex());
    return entry.term;
  }

  firstIndex(): number {
    return this.latestSnapshot.index + 1;
  }

  lastIndex(): number {
    return this.latestSnapshot.index + this.log.length;
  }

  snapshot(): Snapshot {
    return this.latestSnapshot;
  }

  setHardState(hardState: HardState): void {
    this.hardState = hardState;
  }

  /**
   * Appends entries, first discarding any existing entries from entries[0].index on
   * (a new leader may overwrite an uncommitted tail). Entries at or before the
   * snapshot are skipped: they are already covered by it.
   */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const offset = this.latestSnapshot.index + 1;
    invariant(first.index <= this.lastIndex() + 1, 'storage.append: gap before the appended entries');
    const skip = Math.max(0, offset - first.index);
    if (skip >= entries.length) return;
    this.log.length = first.index + skip - offset;
    for (let i = skip; i < entries.length; i++) this.log.push(entries[i] as Entry);
  }

  /** Whether the log holds the entry (index, term) after the snapshot. */
  holds(index: number, term: number): boolean {
    return index > this.latestSnapshot.index && index <= this.lastIndex() && this.term(index) === term;
  }

  /**
   * Installs a snapshot received from the leader (Raft, Figure 13): if the log holds the
   * snapshot's last entry, the entries after it stay (log matching makes them a valid
   * follower tail); otherwise nothing in the log is known to match the leader's, and it all goes.
   */
  applySnapshot(snapshot: Snapshot): void {
    invariant(snapshot.index > this.latestSnapshot.index, 'storage.applySnapshot: snapshot is older than the current one');
    this.log = this.holds(snapshot.index, snapshot.term) ? this.log.slice(snapshot.index - this.latestSnapshot.index) : [];
    this.latestSnapshot = snapshot;
  }

  /**
   * Takes a snapshot at `index` (which the caller has applied; `data` is its state
   * machine at that index) and discards the entries up to it.
   */
  compact(index: number, data: Uint8Array): void {
    const snapshotIndex = this.latestSnapshot.index;
    if (index <= snapshotIndex) throw new CompactedError(index, snapshotIndex + 1);
    invariant(index <= this.lastIndex(), 'storage.compact: index beyond the last entry');
    const term = this.term(index);
    this.log = this.log.slice(index - snapshotIndex);
    this.latestSnapshot = { index, term, voters: this.latestSnapshot.voters, observers: this.latestSnapshot.observers, data };
  }
}
