import type { FlushPolicy } from '../config.js';

/** A flush under way: the offset it may raise the flushed offset to once its fsyncs end. */
export interface FlushTarget {
  readonly offset: number;
}

interface MutableFlushTarget {
  offset: number;
}

interface DurableWaiter {
  offset: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * What a log may acknowledge: the offset its fsyncs have reached, the flushes in flight and who
 * waits for which offset. No I/O: the log tells it when a flush starts and ends and when it truncates.
 */
export class DurabilityTracker {
  private flushed: number;
  /**
   * Under a durable policy that replaced flush=os: the log end at the change. What flush=os had
   * acknowledged stays acknowledged (the durable end never goes back) until the fsyncs pass it.
   */
  private acknowledgedUnsynced = 0;
  /**
   * Offsets each in-flight flush may raise `flushed` to. A truncation lowers them to the new log
   * end: bytes past it are new, and a sync that began before the truncation did not cover them.
   */
  private readonly flushTargets = new Set<MutableFlushTarget>();
  private readonly waiters: DurableWaiter[] = [];
  private readonly listeners = new Set<(offset: number) => void>();

  constructor(
    private policy: FlushPolicy,
    /** The log's current end offset (what flush=os counts as durable). */
    private readonly logEndOffset: () => number,
    /** Everything below this is on disk already (what the log's open synced). */
    flushedOffset: number,
  ) {
    this.flushed = flushedOffset;
  }

  /** End of what has really been fsynced. */
  get flushedOffset(): number {
    return this.flushed;
  }

  /**
   * End of what the log promises to keep across a crash, and so may acknowledge: the fsynced end
   * under the durable policies, the log end under flush=os (the OS decides).
   */
  get durableEndOffset(): number {
    return this.policy === 'os' ? this.logEndOffset() : Math.max(this.flushed, this.acknowledgedUnsynced);
  }

  /** The log's flush policy changed: what counts as durable from now on (never less than before). */
  setPolicy(policy: FlushPolicy): void {
    if (policy === this.policy) return;
    if (this.policy === 'os') this.acknowledgedUnsynced = this.logEndOffset();
    this.policy = policy;
    this.notify();
  }

  /** Registers a flush that will cover the log up to `offset`, unless a truncation lowers it meanwhile. */
  startFlush(offset: number): FlushTarget {
    const target = { offset };
    this.flushTargets.add(target);
    return target;
  }

  /** The flush's fsyncs ended: what it covered, as lowered by truncations since it began, is durable. */
  flushSucceeded(target: FlushTarget): void {
    if (target.offset <= this.flushed) return;
    this.flushed = target.offset;
    this.notify();
  }

  /** The flush is over, whether it succeeded or failed: truncations no longer concern it. */
  endFlush(target: FlushTarget): void {
    this.flushTargets.delete(target as MutableFlushTarget);
  }

  /** The log now ends at `logEndOffset`: nothing at or past it counts as flushed, now or by a flush in flight. */
  truncated(logEndOffset: number): void {
    if (this.flushed > logEndOffset) this.flushed = logEndOffset;
    if (this.acknowledgedUnsynced > logEndOffset) this.acknowledgedUnsynced = logEndOffset;
    for (const target of this.flushTargets) target.offset = Math.min(target.offset, logEndOffset);
  }

  /** Resolves waiters and calls listeners up to the durable end (flush=os calls it after each append). */
  notify(): void {
    const durable = this.durableEndOffset;
    let resolved = 0;
    while (resolved < this.waiters.length && this.waiters[resolved]!.offset <= durable) {
      this.waiters[resolved]!.resolve();
      resolved++;
    }
    if (resolved > 0) this.waiters.splice(0, resolved);
    for (const listener of this.listeners) listener(durable);
  }

  /** Resolves once everything below `offset` is durable. */
  waitFor(offset: number): Promise<void> {
    if (offset <= this.durableEndOffset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { offset, resolve, reject };
      // Appends finish in offset order, so waiters almost always go at the end.
      let at = this.waiters.length;
      while (at > 0 && this.waiters[at - 1]!.offset > offset) at--;
      this.waiters.splice(at, 0, waiter);
    });
  }

  /** Calls `listener` with the new durable end offset whenever it advances. Returns an unsubscribe. */
  onAdvance(listener: (offset: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Fails every waiter (the log failed or closed: what they wait for will never be durable). */
  rejectWaiters(error: Error): void {
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }
}
