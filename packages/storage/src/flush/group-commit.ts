/** Something with appended-but-unsynced data that can make it durable. */
export interface Flushable {
  flushDirty(): Promise<void>;
}

export interface TimerFunctions {
  setTimeout(callback: () => void, ms: number): unknown;
  setImmediate(callback: () => void): unknown;
}

const realTimers: TimerFunctions = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  setImmediate: (callback) => setImmediate(callback),
};

/**
 * Group commit across logs: every log with new data asks for a flush, and one round syncs all of
 * them in parallel. Appends that arrive during a round wait for the next, so the number of
 * fdatasync calls follows the disk's latency, not the append rate or the partition count.
 */
export class GroupCommitScheduler {
  private readonly requested = new Set<Flushable>();
  private round: Promise<void> | undefined;
  private scheduled = false;
  /** When the oldest request waiting for the next round came in (hrtime ns), for the queue-wait figure. */
  private firstWaitingSince: bigint | undefined;

  constructor(
    /** Delay before a round starts, to collect more appends; 0 starts as soon as the last round ends. */
    private readonly intervalMs = 0,
    private readonly timers: TimerFunctions = realTimers,
    /**
     * Told each round's duration in seconds, how many logs it synced, and how long its oldest
     * request waited for it to start (for flush and latency metrics).
     */
    private readonly onRound?: (seconds: number, logs: number, queuedSeconds: number) => void,
  ) {}

  request(target: Flushable): void {
    this.firstWaitingSince ??= process.hrtime.bigint();
    this.requested.add(target);
    if (this.round === undefined && !this.scheduled) this.schedule();
  }

  private schedule(): void {
    this.scheduled = true;
    const start = (): void => {
      this.scheduled = false;
      this.round = this.runRound();
    };
    if (this.intervalMs > 0) this.timers.setTimeout(start, this.intervalMs);
    else this.timers.setImmediate(start);
  }

  private async runRound(): Promise<void> {
    const targets = [...this.requested];
    this.requested.clear();
    const started = process.hrtime.bigint();
    const queuedSeconds = Number(started - (this.firstWaitingSince ?? started)) / 1e9;
    this.firstWaitingSince = undefined;
    // Each log turns its own failures into failed acks; one failing log must not stop the others.
    await Promise.allSettled(targets.map((t) => t.flushDirty()));
    this.onRound?.(Number(process.hrtime.bigint() - started) / 1e9, targets.length, queuedSeconds);
    this.round = undefined;
    if (this.requested.size > 0) this.schedule();
  }

  /** Resolves once nothing is pending (used on shutdown). */
  async drain(): Promise<void> {
    while (this.round !== undefined || this.scheduled || this.requested.size > 0) {
      if (this.round !== undefined) await this.round;
      else await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }
}
