/**
 * A token bucket of bytes. Pure: every call takes the time. Tokens refill at `rate` bytes/s up to
 * `capacity`, from full. Taking may overdraw (an answer can bring more than was asked for); the debt is paid
 * back before the bucket allows anything again, so over time the bytes taken follow the rate.
 */
export class TokenBucket {
  private tokens: number;
  private lastMs: number;

  constructor(
    private rateBytesPerSec: number,
    private capacity: number,
    nowMs: number,
  ) {
    this.tokens = capacity;
    this.lastMs = nowMs;
  }

  get rate(): number {
    return this.rateBytesPerSec;
  }

  /** Tokens now: negative while a debt is being paid back. */
  available(nowMs: number): number {
    this.refill(nowMs);
    return this.tokens;
  }

  take(bytes: number, nowMs: number): void {
    this.refill(nowMs);
    this.tokens -= bytes;
  }

  /** Ms until there are tokens again (0 if there are). */
  msUntilAvailable(nowMs: number): number {
    this.refill(nowMs);
    if (this.tokens > 0) return 0;
    return Math.ceil(((1 - this.tokens) * 1000) / this.rateBytesPerSec);
  }

  /** A new rate and capacity from now on; what was earned so far at the old rate is kept, up to the new capacity. */
  reconfigure(rateBytesPerSec: number, capacity: number, nowMs: number): void {
    this.refill(nowMs);
    this.rateBytesPerSec = rateBytesPerSec;
    this.capacity = capacity;
    this.tokens = Math.min(this.tokens, capacity);
  }

  private refill(nowMs: number): void {
    // Time never runs backwards here: a caller's earlier reading earns nothing.
    if (nowMs <= this.lastMs) return;
    this.tokens = Math.min(this.capacity, this.tokens + ((nowMs - this.lastMs) * this.rateBytesPerSec) / 1000);
    this.lastMs = nowMs;
  }
}
