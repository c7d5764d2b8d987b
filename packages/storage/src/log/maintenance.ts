import { systemClock, type Clock, type Timer } from '@quill/clock';
import type { Logger } from 'pino';
import type { PartitionLog } from './partition-log.js';

export interface LogMaintenanceOptions {
  /** log.retention.check.interval.ms (Kafka: 5 minutes). */
  retentionCheckIntervalMs?: number;
  /** log.cleaner.backoff.ms: pause between compaction checks (Kafka: 15 s). */
  cleanerBackoffMs?: number;
  logger: Logger;
  clock?: Clock;
}

interface Registered {
  log: PartitionLog;
  /** Retention and compaction never touch offsets at or above this (the high watermark). */
  upperBound: () => number;
}

/**
 * Background retention and compaction for a set of logs. Each pass works log by log and the cleaner
 * yields to the event loop as it goes, so appends and reads continue meanwhile.
 */
export class LogMaintenance {
  private readonly logs = new Map<PartitionLog, Registered>();
  private readonly retentionCheckIntervalMs: number;
  private readonly cleanerBackoffMs: number;
  private timers: Timer[] = [];
  private running: Promise<void> | undefined;
  /** Logs whose configs changed: retention runs on them without waiting for the next check. */
  private readonly retentionDue = new Set<PartitionLog>();
  private stopped = false;

  constructor(private readonly options: LogMaintenanceOptions) {
    this.retentionCheckIntervalMs = options.retentionCheckIntervalMs ?? 5 * 60 * 1000;
    this.cleanerBackoffMs = options.cleanerBackoffMs ?? 15 * 1000;
  }

  add(log: PartitionLog, upperBound: () => number = () => log.logEndOffset): void {
    this.logs.set(log, { log, upperBound });
  }

  remove(log: PartitionLog): void {
    this.logs.delete(log);
    this.retentionDue.delete(log);
  }

  /**
   * Applies new settings to a registered log (see PartitionLog.reconfigure) and runs retention on it
   * as soon as no other pass is running, so a lowered retention.ms / retention.bytes takes effect
   * within seconds rather than at the next periodic check. Returns that pass.
   */
  async reconfigure(log: PartitionLog, config: Parameters<PartitionLog['reconfigure']>[0], flushScheduler?: Parameters<PartitionLog['reconfigure']>[1]): Promise<void> {
    log.reconfigure(config, flushScheduler);
    await this.retentionSoon(log);
  }

  /**
   * Runs retention on a registered log as soon as no other pass is running (its log start offset
   * moved, so segments below it can go now). Returns that pass.
   */
  async retentionSoon(log: PartitionLog): Promise<void> {
    if (!this.logs.has(log) || this.stopped) return;
    this.retentionDue.add(log);
    await this.exclusive(() => Promise.resolve());
  }

  start(): void {
    const clock = this.options.clock ?? systemClock;
    this.timers = [
      clock.setInterval(() => void this.exclusive(() => this.runRetention()), this.retentionCheckIntervalMs),
      clock.setInterval(() => void this.exclusive(() => this.runCompaction()), this.cleanerBackoffMs),
    ];
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const timer of this.timers) timer.cancel();
    this.timers = [];
    await this.running;
  }

  /** Retention on every log: whole segments past retention.ms / retention.bytes. */
  async runRetention(): Promise<void> {
    for (const { log, upperBound } of this.logs.values()) {
      await this.guarded(log, 'retention', () => log.applyRetention(upperBound()));
    }
  }

  /** Compaction of every compacted log whose dirty share passed min.cleanable.dirty.ratio. */
  async runCompaction(): Promise<void> {
    for (const { log, upperBound } of this.logs.values()) {
      if (!log.config.cleanupPolicy.includes('compact')) continue;
      const bound = upperBound();
      if (log.dirtyRatio(bound) < log.config.minCleanableDirtyRatio) continue;
      await this.guarded(log, 'compaction', () => log.compact(bound));
    }
  }

  /**
   * One pass at a time: a slow clean delays the next check instead of overlapping it. Retention
   * due on reconfigured logs runs after the pass, whichever pass it is. When a pass is running
   * already, resolves once it (and the retention it ends with) is over.
   */
  private async exclusive(task: () => Promise<void>): Promise<void> {
    if (this.running !== undefined) return this.running;
    this.running = (async () => {
      await task();
      await this.runDueRetention();
    })().finally(() => {
      this.running = undefined;
      // Due after the pass's last look (reconfigured while it was finishing).
      if (this.retentionDue.size > 0 && !this.stopped) void this.exclusive(() => Promise.resolve());
    });
    await this.running;
  }

  private async runDueRetention(): Promise<void> {
    while (this.retentionDue.size > 0) {
      const [log] = this.retentionDue;
      this.retentionDue.delete(log!);
      const registered = this.logs.get(log!);
      if (registered !== undefined) await this.guarded(registered.log, 'retention', () => registered.log.applyRetention(registered.upperBound()));
    }
  }

  private async guarded(log: PartitionLog, what: string, task: () => Promise<unknown>): Promise<void> {
    try {
      await task();
    } catch (error) {
      this.options.logger.error({ dir: log.dir, err: error }, `${what} failed`);
    }
  }
}
