import type { Clock, Timer } from './clock.js';

interface Scheduled {
  readonly id: number;
  due: number;
  readonly intervalMs: number | undefined;
  readonly callback: () => void;
}

/**
 * A clock that moves only when told to. `advance(ms)` fires every timer that falls due, in due
 * order (ties in the order they were set), each at its own time, so a test replays exactly.
 */
export class ManualClock implements Clock {
  private current: number;
  private nextId = 0;
  private readonly scheduled = new Map<number, Scheduled>();

  constructor(startMs = 0) {
    this.current = startMs;
  }

  now(): number {
    return this.current;
  }

  setTimeout(callback: () => void, delayMs: number): Timer {
    return this.schedule(callback, Math.max(0, delayMs), undefined);
  }

  setInterval(callback: () => void, intervalMs: number): Timer {
    if (!(intervalMs > 0)) throw new RangeError(`an interval must be positive, got ${intervalMs}`);
    return this.schedule(callback, intervalMs, intervalMs);
  }

  /** Timers not yet fired or cancelled. */
  get pendingTimers(): number {
    return this.scheduled.size;
  }

  /** Moves time forward by `ms`, firing each timer when its due time is reached. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`a clock only moves forward, got ${ms}`);
    const until = this.current + ms;
    for (;;) {
      const next = this.earliestDue(until);
      if (next === undefined) break;
      this.current = next.due;
      if (next.intervalMs === undefined) this.scheduled.delete(next.id);
      else next.due += next.intervalMs;
      next.callback();
    }
    this.current = until;
  }

  private schedule(callback: () => void, delayMs: number, intervalMs: number | undefined): Timer {
    const id = this.nextId++;
    this.scheduled.set(id, { id, due: this.current + delayMs, intervalMs, callback });
    return { cancel: () => this.scheduled.delete(id) };
  }

  private earliestDue(until: number): Scheduled | undefined {
    let earliest: Scheduled | undefined;
    for (const entry of this.scheduled.values()) {
      if (entry.due > until) continue;
      if (earliest === undefined || entry.due < earliest.due || (entry.due === earliest.due && entry.id < earliest.id)) earliest = entry;
    }
    return earliest;
  }
}
