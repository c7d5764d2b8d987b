import { systemClock, type Clock, type Timer } from '@quill/clock';

/** A request that waits for a condition (HW passed its offset, enough bytes to fetch) or a deadline. */
export interface DelayedOperation {
  /** Completes the operation (responds) if its condition holds now; returns whether it did. */
  tryComplete(): boolean;
  /** Responds with what is there, or a timeout error: the deadline passed first. */
  onExpire(): void;
}

interface Watched {
  operation: DelayedOperation;
  keys: readonly string[];
  timer: Timer | undefined;
  done: boolean;
}

export type WatchOutcome = 'completed' | 'watching' | 'full';

/**
 * Kafka's purgatory: delayed produces and long-poll fetches wait here, keyed by partition, and
 * are re-checked only when something changes for their key (an append, a high watermark move),
 * never by polling. Bounded: beyond `maxOperations` new waiters are refused.
 */
export class Purgatory {
  private readonly byKey = new Map<string, Set<Watched>>();
  private count = 0;

  constructor(
    private readonly maxOperations: number,
    private readonly clock: Clock = systemClock,
  ) {}

  get size(): number {
    return this.count;
  }

  /** Completes `operation` now if it can, else watches `keys` for it until `timeoutMs`. */
  tryCompleteElseWatch(operation: DelayedOperation, keys: readonly string[], timeoutMs: number): WatchOutcome {
    if (operation.tryComplete()) return 'completed';
    if (this.count >= this.maxOperations) return 'full';
    const watched: Watched = { operation, keys, timer: undefined, done: false };
    watched.timer = this.clock.setTimeout(() => this.expire(watched), Math.max(0, timeoutMs));
    for (const key of keys) {
      let set = this.byKey.get(key);
      if (set === undefined) this.byKey.set(key, (set = new Set()));
      set.add(watched);
    }
    this.count++;
    return 'watching';
  }

  /** Re-checks every operation watching `key`; returns how many completed. */
  checkAndComplete(key: string): number {
    const set = this.byKey.get(key);
    if (set === undefined) return 0;
    let completed = 0;
    for (const watched of [...set]) {
      if (!watched.done && watched.operation.tryComplete()) {
        this.finish(watched);
        completed++;
      }
    }
    return completed;
  }

  /** Expires everything now (shutdown): each operation answers with what it has. */
  expireAll(): void {
    const all = new Set<Watched>();
    for (const set of this.byKey.values()) for (const watched of set) all.add(watched);
    for (const watched of all) this.expire(watched);
  }

  private expire(watched: Watched): void {
    if (watched.done) return;
    this.finish(watched);
    watched.operation.onExpire();
  }

  private finish(watched: Watched): void {
    watched.done = true;
    watched.timer?.cancel();
    for (const key of watched.keys) {
      const set = this.byKey.get(key);
      set?.delete(watched);
      if (set?.size === 0) this.byKey.delete(key);
    }
    this.count--;
  }
}
