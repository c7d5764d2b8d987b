import type { Clock } from '@quill/clock';

/** Client hosts remembered at once; past it, the expired entries go (bounds the map under a connection flood). */
const MAX_REMEMBERED_KEYS = 10_000;

/**
 * Allows one warning per key (a client host and kind of problem) per interval, so a
 * misbehaving client cannot flood the log; reports how many were suppressed since the last one.
 */
export class WarningLimiter {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly clock: Clock,
    private readonly intervalMs: number,
  ) {}

  /** The number of warnings suppressed before this one when it may be logged, else undefined. */
  allow(key: string): number | undefined {
    const now = this.clock.now();
    const entry = this.last.get(key);
    if (entry !== undefined && now - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return undefined;
    }
    if (entry === undefined && this.last.size >= MAX_REMEMBERED_KEYS) this.forgetExpired(now);
    this.last.set(key, { at: now, suppressed: 0 });
    return entry?.suppressed ?? 0;
  }

  private forgetExpired(now: number): void {
    for (const [key, entry] of this.last) if (now - entry.at >= this.intervalMs) this.last.delete(key);
    if (this.last.size >= MAX_REMEMBERED_KEYS) this.last.clear();
  }
}
