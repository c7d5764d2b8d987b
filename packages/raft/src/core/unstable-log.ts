import { invariant } from './errors.js';
import type { Entry, Snapshot } from './types.js';

/**
 * The part of the log not yet known to be persisted: an incoming snapshot and entries
 * from `offset` on. They stay here after being handed out in a Ready until `advance`
 * confirms the write, so the log view keeps seeing them meanwhile. `offset` may be at
 * or below storage's last index: the next write then overwrites storage's tail.
 *
 * The arrays held here are never shared with callers (every hand-out is a copy), so
 * appending in place is safe.
 */
export class UnstableLog {
  snapshot: Snapshot | undefined = undefined;
  entries: Entry[] = [];
  /** The index of entries[0], or where the next entry goes when there are none. */
  offset: number;

  constructor(offset: number) {
    this.offset = offset;
  }

  /** The first log index if an unstable snapshot defines it. */
  maybeFirstIndex(): number | undefined {
    return this.snapshot === undefined ? undefined : this.snapshot.index + 1;
  }

  /** The last log index if unstable entries or an unstable snapshot define it. */
  maybeLastIndex(): number | undefined {
    if (this.entries.length > 0) return this.offset + this.entries.length - 1;
    return this.snapshot?.index;
  }

  maybeTerm(index: number): number | undefined {
    if (index < this.offset) return this.snapshot !== undefined && this.snapshot.index === index ? this.snapshot.term : undefined;
    return this.entries[index - this.offset]?.term;
  }

  /** Entries up to (index, term) are now durable. Ignored if they were replaced meanwhile. */
  stableTo(index: number, term: number): void {
    if (index < this.offset || this.maybeTerm(index) !== term) return;
    this.entries = this.entries.slice(index + 1 - this.offset);
    this.offset = index + 1;
  }

  stableSnapshotTo(index: number): void {
    if (this.snapshot !== undefined && this.snapshot.index === index) this.snapshot = undefined;
  }

  restore(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.entries = [];
    this.offset = snapshot.index + 1;
  }

  /** Appends `entries` (consecutive), replacing any unstable entries from entries[0].index on. */
  truncateAndAppend(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const end = this.offset + this.entries.length;
    if (first.index === end) {
      for (const entry of entries) this.entries.push(entry);
    } else if (first.index <= this.offset) {
      this.offset = first.index;
      this.entries = entries.slice();
    } else {
      invariant(first.index < end, 'unstable log: gap before the appended entries');
      this.entries = this.entries.slice(0, first.index - this.offset).concat(entries);
    }
  }

  /** Entries with indexes in [lo, hi), which must lie within the unstable entries. */
  slice(lo: number, hi: number): Entry[] {
    invariant(lo >= this.offset && lo <= hi && hi <= this.offset + this.entries.length, 'unstable log: slice out of bounds');
    return this.entries.slice(lo - this.offset, hi - this.offset);
  }
}
