import { invariant } from './errors.js';

/**
 * The AppendRequests in flight to one follower, as the last index each carried, in
 * sending order. A bounded ring: when full, the leader stops sending new entries to
 * that follower until acknowledgements free slots.
 */
export class Inflights {
  private readonly lastIndexes: number[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    invariant(capacity > 0, 'inflights capacity must be positive');
    this.lastIndexes = new Array<number>(capacity).fill(0);
  }

  get size(): number {
    return this.count;
  }

  full(): boolean {
    return this.count === this.capacity;
  }

  add(lastIndex: number): void {
    invariant(!this.full(), 'inflights: add while full');
    const slot = (this.start + this.count) % this.capacity;
    this.lastIndexes[slot] = lastIndex;
    this.count++;
  }

  /** Frees every message whose last index is <= `index` (they have been acknowledged). */
  freeUpTo(index: number): void {
    while (this.count > 0 && (this.lastIndexes[this.start] as number) <= index) {
      this.start = (this.start + 1) % this.capacity;
      this.count--;
    }
  }

  /** Frees the oldest slot, so that a stalled follower gets a (possibly empty) probe. */
  freeFirst(): void {
    if (this.count === 0) return;
    this.start = (this.start + 1) % this.capacity;
    this.count--;
  }

  reset(): void {
    this.start = 0;
    this.count = 0;
  }
}
