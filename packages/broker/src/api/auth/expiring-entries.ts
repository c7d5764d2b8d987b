import type { Clock } from '@quill/clock';

/**
 * Values that expire a fixed time after they were added, at most `maxEntries` at once: past it
 * the expired go first, then the oldest, so a flood of additions cannot grow the map without
 * bound (the oldest is the soonest to expire, every entry living as long).
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

  /** Adds `value` under `key`; answers when it expires. */
  add(key: string, value: Value): number {
    const now = this.clock.now();
    if (this.entries.size >= this.maxEntries) this.removeExpired(now);
    for (const oldest of this.entries.keys()) {
      if (this.entries.size < this.maxEntries) break;
      this.entries.delete(oldest);
    }
    const expiresAtMs = now + this.lifetimeMs;
    this.entries.set(key, { value, expiresAtMs });
    return expiresAtMs;
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

  private removeExpired(now: number): void {
    for (const [key, entry] of this.entries) if (entry.expiresAtMs <= now) this.entries.delete(key);
  }
}
