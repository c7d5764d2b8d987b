import type { Clock } from '@quill/clock';

/**
 * Values that expire a fixed time after they were added, at most `maxEntries` at once. Every entry
 * lives as long, so insertion order is expiry order: the expired are dropped from the front (O(1)
 * amortised per addition), and a re-added key moves to the back.
 */
export class ExpiringEntries<Value> {
  private readonly entries = new Map<string, { value: Value; expiresAtMs: number }>();

  constructor(
    private readonly clock: Clock,
    readonly lifetimeMs: number,
    private readonly maxEntries: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  /** Adds `value` under `key`, forgetting the oldest entries if full; answers when it expires. */
  add(key: string, value: Value): number {
    const now = this.makeRoom(key);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(oldest);
    }
    return this.insert(key, value, now);
  }

  /** Adds `value` under `key` unless full of live entries (then answers undefined); answers when it expires. */
  addIfRoom(key: string, value: Value): number | undefined {
    const now = this.makeRoom(key);
    if (this.entries.size >= this.maxEntries) return undefined;
    return this.insert(key, value, now);
  }

  /** The value under `key` while it has not expired. */
  get(key: string): Value | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.expiresAtMs <= this.clock.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  /** Drops `key` (so it goes back in at the end) and the expired at the front; answers the time now. */
  private makeRoom(key: string): number {
    const now = this.clock.now();
    this.entries.delete(key);
    for (const [oldest, entry] of this.entries) {
      if (entry.expiresAtMs > now) break;
      this.entries.delete(oldest);
    }
    return now;
  }

  private insert(key: string, value: Value, now: number): number {
    const expiresAtMs = now + this.lifetimeMs;
    this.entries.set(key, { value, expiresAtMs });
    return expiresAtMs;
  }
}
