import type { FlushPolicy } from '../config.js';
import type { LogSync } from '../file-sync.js';
import type { Flushable, GroupCommitScheduler } from '../flush/group-commit.js';
import type { LogSegment } from '../segment/segment.js';
import type { DurabilityTracker } from './durability-tracker.js';
import { writeRecoveryPoint } from './recovery-files.js';

/** What the flusher needs from the log it serves. */
export interface FlushedLog {
  readonly dir: string;
  logEndOffset(): number;
  isClosed(): boolean;
  hasFailed(): boolean;
  /** A sync failed: the log stops accepting writes and acknowledging. */
  fail(error: unknown): void;
}

/**
 * Issues the fsyncs a partition log's acknowledgements wait for, under its flush policy: segment
 * data, the partition directory when segment files came or went, and sealed segments on a roll.
 * It reports each flush's start and end to the durability tracker, which decides what counts.
 */
export class LogFlusher implements Flushable {
  private readonly unflushed = new Set<LogSegment>();
  private everyBatchChain: Promise<void> = Promise.resolve();
  /** A segment file was created or removed since the last directory fsync began. */
  private directoryDirty = false;
  /** The latest directory fsync; every flush waits for it (see syncDirectoryIfDirty). */
  private directorySync: Promise<void> = Promise.resolve();
  private rollSyncs: Promise<void> = Promise.resolve();

  constructor(
    private readonly log: FlushedLog,
    private policy: FlushPolicy,
    private readonly sync: LogSync,
    private scheduler: GroupCommitScheduler,
    private readonly tracker: DurabilityTracker,
  ) {}

  /** `segment` received an append that now ends the log: start making it durable as the policy says. */
  appended(segment: LogSegment): void {
    const end = this.log.logEndOffset();
    switch (this.policy) {
      case 'os':
        this.tracker.notify();
        return;
      case 'group-commit':
        this.unflushed.add(segment);
        this.scheduler.request(this);
        return;
      case 'every-batch': {
        const target = this.tracker.startFlush(end);
        this.everyBatchChain = this.everyBatchChain
          .then(
            () => Promise.all([segment.flush(), this.syncDirectoryIfDirty()]).then(() => this.tracker.flushSucceeded(target)),
            () => undefined,
          )
          .catch((error: unknown) => this.log.fail(error))
          .finally(() => this.tracker.endFlush(target));
        return;
      }
    }
  }

  /**
   * `previous` was sealed and a segment created at `baseOffset`. Once the sealed segment and the new
   * file's directory entry are on disk, recovery after a crash can start at the new segment. Rolls
   * sync in order, so the recovery point never goes back. Returns the roll's sync, for the log to await on close.
   */
  rolled(previous: LogSegment, baseOffset: number): Promise<void> {
    this.directoryDirty = true;
    this.rollSyncs = this.rollSyncs.then(async () => {
      try {
        await Promise.all([previous.flush(), previous.flushIndexes()]);
        await this.syncDirectoryIfDirty();
        if (!this.log.isClosed()) writeRecoveryPoint(this.log.dir, baseOffset);
      } catch (error) {
        this.log.fail(error);
      }
    });
    return this.rollSyncs;
  }

  /**
   * The log's flush policy or group-commit scheduler changed. Appends from now on follow the new
   * ones; the caller flushes what came before (see PartitionLog.reconfigure).
   */
  reconfigure(policy: FlushPolicy, scheduler: GroupCommitScheduler): void {
    this.policy = policy;
    this.scheduler = scheduler;
  }

  /** `segment` left the log: nothing to sync in it any more. */
  forget(segment: LogSegment): void {
    this.unflushed.delete(segment);
  }

  /**
   * A segment file was created or removed outside a roll. Until the directory is fsynced a power
   * loss may drop the new file or bring back the removed one (which would make recovery cut the log
   * at its base offset), so no flush counts before that fsync.
   */
  directoryChanged(): void {
    this.directoryDirty = true;
  }

  /** Syncs every segment written since the last flush and advances the flushed offset (group commit). */
  async flushDirty(): Promise<void> {
    if (this.log.hasFailed() || this.log.isClosed()) return;
    const target = this.tracker.startFlush(this.log.logEndOffset());
    const segments = [...this.unflushed];
    this.unflushed.clear();
    try {
      await Promise.all([...segments.map((s) => s.flush()), this.syncDirectoryIfDirty()]);
    } catch (error) {
      this.log.fail(error);
      return;
    } finally {
      this.tracker.endFlush(target);
    }
    this.tracker.flushSucceeded(target);
  }

  /** Forces all of `segments` to disk, whatever the policy. */
  async flushAll(segments: readonly LogSegment[]): Promise<void> {
    for (const segment of segments) this.unflushed.add(segment);
    await this.everyBatchChain;
    await this.flushDirty();
  }

  /**
   * A segment's data counts as durable only once its directory entry is (a power loss drops a file
   * created, or brings back one removed, since the directory's last fsync). Concurrent flushes
   * share one directory fsync, and each waits for the latest one to end.
   */
  private syncDirectoryIfDirty(): Promise<void> {
    if (this.directoryDirty) {
      this.directoryDirty = false;
      this.directorySync = this.sync.directory(this.log.dir);
    }
    return this.directorySync;
  }
}
