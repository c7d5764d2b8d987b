import fs from 'node:fs';
import path from 'node:path';
import {
  RecordsError,
  setBaseOffset,
  setPartitionLeaderEpoch,
  splitBatches,
  type BatchHeader,
} from '@quill/records';
import { pino, type Logger } from 'pino';
import { compactLog, type CompactionResult } from '../compaction/cleaner.js';
import { resolveLogConfig, type LogConfig } from '../config.js';
import { StorageError } from '../errors.js';
import {
  CLEANED_SUFFIX,
  CLEAN_SHUTDOWN_FILE,
  LOG_SUFFIX,
  RECOVERY_POINT_FILE,
  parseSegmentFileName,
} from '../file-names.js';
import { REAL_LOG_SYNC, writeFileDurablySync, type LogSync } from '../file-sync.js';
import { GroupCommitScheduler } from '../flush/group-commit.js';
import { LogSegment, type AppendedBatch, type SegmentOptions } from '../segment/segment.js';
import { readOffsetCheckpoint, replaceOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint.js';
import { segmentsToDelete } from './retention.js';

/** Present once the cleaner has rewritten a segment: offsets may have gaps from then on. */
export const COMPACTED_MARKER_FILE = '.compacted';

export interface PartitionLogOptions {
  config?: Partial<LogConfig>;
  logger?: Logger;
  /** Shared across a broker's logs so one fsync round covers every partition. */
  flushScheduler?: GroupCommitScheduler;
  /** Milliseconds since the epoch; injected so tests control segment age and retention. */
  now?: () => number;
  /** The fsyncs acks depend on; injected so tests can hold them or observe their order. */
  sync?: LogSync;
}

export interface AppendOptions {
  /** Leader appends get offsets assigned from the log end; followers keep the leader's offsets. */
  assignOffsets: boolean;
  /** Stamped into each batch's partitionLeaderEpoch when assigning offsets. */
  leaderEpoch?: number;
}

export interface AppendInfo {
  firstOffset: number;
  lastOffset: number;
  maxTimestamp: number;
  batchCount: number;
  recordCount: number;
  /** The batches as written (offsets stamped), for callers that track producer state. */
  batches: readonly BatchHeader[];
}

export interface ReadOptions {
  /** Soft limit: whole batches only, but always at least one so consumers progress. */
  maxBytes?: number;
  /** Exclusive bound: nothing at or beyond it is returned (the high watermark for consumers). */
  maxOffset?: number;
}

export interface LogRead {
  /** Concatenated whole batches; empty when nothing is available at the offset yet. */
  records: Buffer;
  logStartOffset: number;
  logEndOffset: number;
}

export interface OpenReport {
  recoveredSegments: number;
  truncatedBytes: number;
  removedSegments: number;
  cleanShutdown: boolean;
}

const DEFAULT_READ_MAX_BYTES = 1024 * 1024;

/**
 * The log of one partition: an ordered list of segments, the last one active. Offsets are dense
 * at append and never reused; what is acknowledged depends on the flush policy (see durableEndOffset).
 */
export class PartitionLog {
  private segments: LogSegment[];
  private flushed: number;
  private readonly unflushed = new Set<LogSegment>();
  private readonly durableWaiters: Array<{ offset: number; resolve: () => void; reject: (e: Error) => void }> = [];
  private readonly durableListeners = new Set<(offset: number) => void>();
  private readonly failureListeners = new Set<(error: StorageError) => void>();
  private readonly background = new Set<Promise<unknown>>();
  private everyBatchChain: Promise<void> = Promise.resolve();
  /**
   * Offsets each in-flight flush may raise `flushed` to. A truncation lowers them to the new log
   * end: bytes past it are new, and a sync that began before the truncation did not cover them.
   */
  private readonly flushTargets = new Set<{ offset: number }>();
  /** A segment file was created or removed since the last directory fsync began. */
  private directoryDirty = false;
  /** The latest directory fsync; every flush waits for it (see syncDirectoryIfDirty). */
  private directorySync: Promise<void> = Promise.resolve();
  private rollSyncs: Promise<void> = Promise.resolve();
  private failure: StorageError | undefined;
  private closed = false;
  private compacted: boolean;
  /** Offsets below this were cleaned by the last compaction pass. */
  cleanedUpTo = 0;
  private truncations = 0;

  private constructor(
    readonly dir: string,
    readonly config: LogConfig,
    private readonly logger: Logger,
    private readonly scheduler: GroupCommitScheduler,
    private readonly now: () => number,
    private readonly sync: LogSync,
    segments: LogSegment[],
    compacted: boolean,
    readonly openReport: OpenReport,
  ) {
    this.segments = segments;
    this.compacted = compacted;
    // open() synced everything it recovered before building the log.
    this.flushed = this.logEndOffset;
  }

  static async open(dir: string, options: PartitionLogOptions = {}): Promise<PartitionLog> {
    const config = resolveLogConfig(options.config);
    const logger = options.logger ?? pino({ level: process.env['QUILL_LOG_LEVEL'] ?? 'warn' });
    const now = options.now ?? Date.now;
    const sync = options.sync ?? REAL_LOG_SYNC;
    const segmentOptions = { indexIntervalBytes: config.indexIntervalBytes, sync };
    fs.mkdirSync(dir, { recursive: true });
    const names = fs.readdirSync(dir);
    for (const name of names) {
      // Leftovers of an interrupted compaction or checkpoint write: the originals are intact.
      if (name.endsWith(CLEANED_SUFFIX) || name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });
    }
    const cleanShutdown = fs.existsSync(path.join(dir, CLEAN_SHUTDOWN_FILE));
    fs.rmSync(path.join(dir, CLEAN_SHUTDOWN_FILE), { force: true });
    const compacted = fs.existsSync(path.join(dir, COMPACTED_MARKER_FILE));
    const recoveryPoint = readOffsetCheckpoint(path.join(dir, RECOVERY_POINT_FILE)) ?? 0;
    const bases = names
      .map((name) => parseSegmentFileName(name, LOG_SUFFIX))
      .filter((base): base is number => base !== undefined)
      .sort((a, b) => a - b);

    const report: OpenReport = { recoveredSegments: 0, truncatedBytes: 0, removedSegments: 0, cleanShutdown };
    const segments: LogSegment[] = [];
    // Segments from the one holding the recovery point onwards may hold unsynced writes.
    const firstUnsafe = bases.filter((b) => b <= recoveryPoint).pop() ?? 0;
    for (let i = 0; i < bases.length; i++) {
      const base = bases[i]!;
      const recover = !cleanShutdown && base >= firstUnsafe;
      const { segment, report: segmentReport } = LogSegment.open(dir, base, {
        ...segmentOptions,
        recover,
        rules: { dense: !compacted, offsetLimit: bases[i + 1] },
        nowMs: now(),
      });
      segments.push(segment);
      if (recover) report.recoveredSegments++;
      report.truncatedBytes += segmentReport.truncatedBytes;
      if (segmentReport.damage !== undefined) {
        logger.warn({ dir, segment: base, damage: segmentReport.damage, truncatedBytes: segmentReport.truncatedBytes }, 'truncated damaged log tail');
      }
      const next = bases[i + 1];
      // Offsets must continue where this segment ends; later segments are unreachable otherwise.
      const broken = segmentReport.truncatedBytes > 0 || (!compacted && next !== undefined && segment.endOffset !== next);
      if (broken && next !== undefined) {
        for (const later of bases.slice(i + 1)) {
          LogSegment.removeFiles(dir, later);
          report.removedSegments++;
        }
        logger.error({ dir, segment: base, removed: report.removedSegments }, 'removed segments after a damaged one');
        break;
      }
    }
    if (segments.length === 0) {
      segments.push(LogSegment.create(dir, 0, segmentOptions, now()));
    }
    // After a crash the recovered bytes may exist only in the page cache: sync them before they
    // count as durable, and before the recovery point moves past them.
    if (!cleanShutdown) await Promise.all(segments.map((s) => s.flush()));
    replaceOffsetCheckpoint(path.join(dir, RECOVERY_POINT_FILE), segments[segments.length - 1]!.baseOffset);
    // One directory fsync, before any append, makes the removals above (the clean-shutdown marker
    // above all), a created segment and the recovery point durable.
    await sync.directory(dir);
    const scheduler = options.flushScheduler ?? new GroupCommitScheduler(config.flushIntervalMs);
    return new PartitionLog(dir, config, logger, scheduler, now, sync, segments, compacted, report);
  }

  private get segmentOptions(): SegmentOptions {
    return { indexIntervalBytes: this.config.indexIntervalBytes, sync: this.sync };
  }

  private get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  get logStartOffset(): number {
    return this.segments[0]!.baseOffset;
  }

  get logEndOffset(): number {
    return this.activeSegment.endOffset;
  }

  /** End of what has really been fsynced. */
  get flushedOffset(): number {
    return this.flushed;
  }

  /**
   * End of what this log promises to keep across a crash, and so may acknowledge: the fsynced end
   * under the durable policies, the log end under flush=os (the OS decides).
   */
  get durableEndOffset(): number {
    return this.config.flushPolicy === 'os' ? this.logEndOffset : this.flushed;
  }

  get sizeInBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.sizeInBytes, 0);
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get isCompacted(): boolean {
    return this.compacted;
  }

  /**
   * Validates and appends one or more concatenated batches with a single write. With
   * assignOffsets, the batches' base offsets and leader epoch are stamped in place in `buffer`.
   */
  append(buffer: Buffer, options: AppendOptions): AppendInfo {
    this.throwIfUnusable();
    const batches = this.validate(buffer);
    let expected = this.logEndOffset;
    for (const { header, position } of batches) {
      if (options.assignOffsets) {
        setBaseOffset(buffer, expected, position);
        header.baseOffset = expected;
        header.lastOffset = expected + header.lastOffsetDelta;
        if (options.leaderEpoch !== undefined) {
          setPartitionLeaderEpoch(buffer, options.leaderEpoch, position);
          header.partitionLeaderEpoch = options.leaderEpoch;
        }
      } else if (this.compacted ? header.baseOffset < expected : header.baseOffset !== expected) {
        throw new StorageError('INVALID_RECORD', `batch base offset ${header.baseOffset} does not follow the log end ${expected}`);
      }
      expected = header.lastOffset + 1;
    }
    this.maybeRoll(buffer.length, batches[0]!.header.baseOffset);
    const segment = this.activeSegment;
    segment.append(buffer, batches);
    this.afterAppend(segment);
    let recordCount = 0;
    let maxTimestamp = -1;
    for (const { header } of batches) {
      recordCount += header.recordCount;
      if (header.maxTimestamp > maxTimestamp) maxTimestamp = header.maxTimestamp;
    }
    return {
      firstOffset: batches[0]!.header.baseOffset,
      lastOffset: batches[batches.length - 1]!.header.lastOffset,
      maxTimestamp,
      batchCount: batches.length,
      recordCount,
      batches: batches.map((b) => b.header),
    };
  }

  private validate(buffer: Buffer): AppendedBatch[] {
    if (buffer.length === 0) throw new StorageError('INVALID_RECORD', 'append of an empty buffer');
    let batches: AppendedBatch[];
    try {
      batches = splitBatches(buffer, { verifyCrc: true });
    } catch (error) {
      if (error instanceof RecordsError) {
        const code = error.code === 'MESSAGE_TOO_LARGE' ? 'MESSAGE_TOO_LARGE' : 'CORRUPT_MESSAGE';
        throw new StorageError(code, error.message, { cause: error });
      }
      throw error;
    }
    for (const { header } of batches) {
      if (header.sizeInBytes > this.config.maxMessageBytes) {
        throw new StorageError(
          'MESSAGE_TOO_LARGE',
          `batch of ${header.sizeInBytes} bytes exceeds max.message.bytes ${this.config.maxMessageBytes}`,
        );
      }
    }
    return batches;
  }

  private maybeRoll(incomingBytes: number, nextOffset: number): void {
    const active = this.activeSegment;
    if (active.isEmpty) return;
    const full = active.sizeInBytes + incomingBytes > this.config.segmentBytes;
    const old = this.now() - active.rollReferenceMs >= this.config.segmentMs;
    if (full || old) this.roll(nextOffset);
  }

  /** Starts a new active segment at `baseOffset` and makes the previous one durable in the background. */
  private roll(baseOffset: number): void {
    const previous = this.activeSegment;
    const next = LogSegment.create(this.dir, baseOffset, this.segmentOptions, this.now());
    this.segments.push(next);
    // Once the sealed segment and the new file's directory entry are on disk, recovery after a
    // crash can start at the new segment. Rolls sync in order, so the recovery point never goes back.
    this.directoryDirty = true;
    this.rollSyncs = this.rollSyncs.then(async () => {
      try {
        await Promise.all([previous.flush(), previous.flushIndexes()]);
        await this.syncDirectoryIfDirty();
        if (!this.closed) writeOffsetCheckpoint(path.join(this.dir, RECOVERY_POINT_FILE), baseOffset);
      } catch (error) {
        this.fail(error);
      }
    });
    this.track(this.rollSyncs);
    this.logger.debug({ dir: this.dir, baseOffset }, 'rolled segment');
  }

  private afterAppend(segment: LogSegment): void {
    const end = this.logEndOffset;
    switch (this.config.flushPolicy) {
      case 'os':
        this.notifyDurable();
        return;
      case 'group-commit':
        this.unflushed.add(segment);
        this.scheduler.request(this);
        return;
      case 'every-batch': {
        const target = this.startFlush(end);
        this.everyBatchChain = this.everyBatchChain
          .then(
            () => Promise.all([segment.flush(), this.syncDirectoryIfDirty()]).then(() => this.advanceFlushed(target.offset)),
            () => undefined,
          )
          .catch((error: unknown) => this.fail(error))
          .finally(() => this.flushTargets.delete(target));
        return;
      }
    }
  }

  /** Syncs every segment written since the last flush and advances the flushed offset (group commit). */
  async flushDirty(): Promise<void> {
    if (this.failure !== undefined || this.closed) return;
    const target = this.startFlush(this.logEndOffset);
    const segments = [...this.unflushed];
    this.unflushed.clear();
    try {
      await Promise.all([...segments.map((s) => s.flush()), this.syncDirectoryIfDirty()]);
    } catch (error) {
      this.fail(error);
      return;
    } finally {
      this.flushTargets.delete(target);
    }
    this.advanceFlushed(target.offset);
  }

  /** Registers a flush that will cover the log up to `offset`, unless a truncation lowers it meanwhile. */
  private startFlush(offset: number): { offset: number } {
    const target = { offset };
    this.flushTargets.add(target);
    return target;
  }

  /**
   * A segment's data counts as durable only once its directory entry is (a power loss drops a file
   * created, or brings back one removed, since the directory's last fsync). Concurrent flushes
   * share one directory fsync, and each waits for the latest one to end.
   */
  private syncDirectoryIfDirty(): Promise<void> {
    if (this.directoryDirty) {
      this.directoryDirty = false;
      this.directorySync = this.sync.directory(this.dir);
    }
    return this.directorySync;
  }

  /** Forces everything appended so far to disk, whatever the policy. */
  async flush(): Promise<void> {
    this.throwIfUnusable();
    for (const segment of this.segments) this.unflushed.add(segment);
    await this.everyBatchChain;
    await this.flushDirty();
    this.throwIfUnusable();
  }

  private advanceFlushed(target: number): void {
    if (target <= this.flushed) return;
    this.flushed = target;
    this.notifyDurable();
  }

  private notifyDurable(): void {
    const durable = this.durableEndOffset;
    let resolved = 0;
    while (resolved < this.durableWaiters.length && this.durableWaiters[resolved]!.offset <= durable) {
      this.durableWaiters[resolved]!.resolve();
      resolved++;
    }
    if (resolved > 0) this.durableWaiters.splice(0, resolved);
    for (const listener of this.durableListeners) listener(durable);
  }

  /** Resolves once everything below `offset` is durable under the flush policy. */
  waitForDurable(offset: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    if (offset <= this.durableEndOffset) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter = { offset, resolve, reject };
      // Appends finish in offset order, so waiters almost always go at the end.
      let at = this.durableWaiters.length;
      while (at > 0 && this.durableWaiters[at - 1]!.offset > offset) at--;
      this.durableWaiters.splice(at, 0, waiter);
    });
  }

  /** Calls `listener` with the new durable end offset whenever it advances. Returns an unsubscribe. */
  onDurableAdvance(listener: (offset: number) => void): () => void {
    this.durableListeners.add(listener);
    return () => this.durableListeners.delete(listener);
  }

  /**
   * Calls `listener` once if the log fails (a failed fsync: it then accepts no writes and
   * acknowledges nothing more), so its owner can take the replica offline. Returns an unsubscribe.
   */
  onFailure(listener: (error: StorageError) => void): () => void {
    this.failureListeners.add(listener);
    return () => this.failureListeners.delete(listener);
  }

  read(offset: number, options: ReadOptions = {}): LogRead {
    this.throwIfClosed();
    const logEndOffset = this.logEndOffset;
    const logStartOffset = this.logStartOffset;
    if (offset < logStartOffset || offset > logEndOffset) {
      throw new StorageError(
        'OFFSET_OUT_OF_RANGE',
        `offset ${offset} is outside the log [${logStartOffset}, ${logEndOffset}] of ${this.dir}`,
      );
    }
    const maxBytes = options.maxBytes ?? DEFAULT_READ_MAX_BYTES;
    const maxOffset = Math.min(options.maxOffset ?? logEndOffset, logEndOffset);
    let target = offset;
    // Segments emptied by compaction hold no batch for their offsets: continue with the next one.
    for (let i = this.segmentIndexFor(offset); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      target = Math.max(target, segment.baseOffset);
      if (target >= maxOffset) break;
      const found = segment.read(target, maxBytes, maxOffset, { verifyCrc: this.config.verifyCrcOnRead, dense: !this.compacted });
      if (found !== undefined) return { records: found.records, logStartOffset, logEndOffset };
    }
    return { records: Buffer.alloc(0), logStartOffset, logEndOffset };
  }

  /** Index of the last segment whose base offset is <= offset. */
  private segmentIndexFor(offset: number): number {
    let low = 0;
    let high = this.segments.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if (this.segments[mid]!.baseOffset <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** The first record at or after `timestampMs` (Kafka's ListOffsets by time); undefined if none. */
  offsetForTimestamp(timestampMs: number): { offset: number; timestamp: number } | undefined {
    this.throwIfClosed();
    for (const segment of this.segments) {
      const found = segment.findOffsetByTimestamp(timestampMs, this.logStartOffset);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /**
   * Removes everything at or after `offset` (follower divergence). A batch containing `offset` goes
   * entirely, so the log end may land below `offset`; it never moves past the current end.
   */
  truncateTo(offset: number): void {
    this.throwIfUnusable();
    if (offset >= this.logEndOffset) return;
    if (offset <= this.logStartOffset) {
      this.truncateFullyAndStartAt(this.logStartOffset);
      return;
    }
    while (this.segments.length > 1 && this.activeSegment.baseOffset >= offset) {
      const removed = this.segments.pop()!;
      this.unflushed.delete(removed);
      this.track(removed.delete());
      // Brought back by a power loss, the file would make recovery cut the log at its base offset.
      this.directoryDirty = true;
    }
    this.activeSegment.truncateTo(offset);
    this.afterTruncation();
  }

  /** Drops every segment and restarts the log empty at `offset` (a follower far behind the leader's start). */
  truncateFullyAndStartAt(offset: number): void {
    this.throwIfUnusable();
    for (const segment of this.segments) {
      this.unflushed.delete(segment);
      this.track(segment.delete());
    }
    this.segments = [LogSegment.create(this.dir, offset, this.segmentOptions, this.now())];
    this.directoryDirty = true;
    this.afterTruncation();
  }

  private afterTruncation(): void {
    this.truncations++;
    const end = this.logEndOffset;
    if (this.flushed > end) this.flushed = end;
    for (const target of this.flushTargets) target.offset = Math.min(target.offset, end);
    if (this.cleanedUpTo > end) this.cleanedUpTo = end;
    const recoveryPointFile = path.join(this.dir, RECOVERY_POINT_FILE);
    const recoveryPoint = readOffsetCheckpoint(recoveryPointFile) ?? 0;
    if (recoveryPoint > this.activeSegment.baseOffset) writeOffsetCheckpoint(recoveryPointFile, this.activeSegment.baseOffset);
  }

  /**
   * Deletes whole segments past retention.ms / retention.bytes (delete policy only), never the data
   * at or above `upperBoundOffset`. An expired active segment is rolled first so it can go too.
   * Returns the number of segments deleted.
   */
  async applyRetention(upperBoundOffset = this.logEndOffset): Promise<number> {
    this.throwIfUnusable();
    if (!this.config.cleanupPolicy.includes('delete')) return 0;
    const nowMs = this.now();
    const active = this.activeSegment;
    if (
      !active.isEmpty &&
      this.config.retentionMs >= 0 &&
      active.largestTimestamp < nowMs - this.config.retentionMs &&
      active.endOffset <= upperBoundOffset
    ) {
      this.roll(this.logEndOffset);
    }
    const summaries = this.segments.map((s) => ({
      baseOffset: s.baseOffset,
      endOffset: s.endOffset,
      sizeInBytes: s.sizeInBytes,
      largestTimestamp: s.largestTimestamp,
    }));
    const count = segmentsToDelete(summaries, this.config, nowMs, upperBoundOffset);
    if (count === 0) return 0;
    const removed = this.segments.splice(0, count);
    await Promise.all(
      removed.map((segment) => {
        this.unflushed.delete(segment);
        return segment.delete();
      }),
    );
    this.logger.info({ dir: this.dir, deleted: count, logStartOffset: this.logStartOffset }, 'retention deleted segments');
    return count;
  }

  /**
   * Every batch header in the log, oldest first (headers only: cheap next to reading records).
   * Replicas replay it to rebuild state kept beside the log, such as producer sequences.
   */
  forEachBatchHeader(visit: (header: BatchHeader) => void): void {
    this.throwIfClosed();
    for (const segment of this.segments) for (const { header } of segment.batches()) visit(header);
  }

  /** Grows with every truncation, so a background pass can tell the log's tail changed under it. */
  get truncationCount(): number {
    return this.truncations;
  }

  /** Every segment, oldest first, the active one last (a snapshot: the log may roll meanwhile). */
  allSegments(): LogSegment[] {
    return [...this.segments];
  }

  /** Sealed segments entirely below `upperBoundOffset`: what the cleaner may rewrite. */
  sealedSegmentsBelow(upperBoundOffset: number): LogSegment[] {
    return this.segments.slice(0, -1).filter((s) => s.endOffset <= upperBoundOffset);
  }

  /** True while `segment` is still part of this log with the bytes the caller saw. */
  holdsSegment(segment: LogSegment, generation: number): boolean {
    return !this.closed && this.segments.includes(segment) && segment.generation === generation;
  }

  /**
   * Records that offsets may now have gaps; must be durable before the first compacted segment is
   * swapped in, or recovery would take the gaps for damage and cut the log there.
   */
  markCompacted(): void {
    if (this.compacted) return;
    writeFileDurablySync(path.join(this.dir, COMPACTED_MARKER_FILE), '');
    this.compacted = true;
  }

  /** Share of sealed bytes not yet cleaned: compaction runs when it passes min.cleanable.dirty.ratio. */
  dirtyRatio(upperBoundOffset: number): number {
    const sealed = this.sealedSegmentsBelow(upperBoundOffset);
    const total = sealed.reduce((sum, s) => sum + s.sizeInBytes, 0);
    if (total === 0) return 0;
    const dirty = sealed.filter((s) => s.endOffset > this.cleanedUpTo).reduce((sum, s) => sum + s.sizeInBytes, 0);
    return dirty / total;
  }

  /** Syncs everything, marks a clean shutdown (so the next open skips recovery) and closes the files. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (this.failure === undefined) await this.flush().catch((error: unknown) => this.fail(error));
    await Promise.all([...this.background]);
    this.closed = true;
    if (this.failure === undefined) {
      try {
        await Promise.all(this.segments.map((s) => s.flushIndexes()));
        replaceOffsetCheckpoint(path.join(this.dir, RECOVERY_POINT_FILE), this.activeSegment.baseOffset);
        // Everything is synced, so the marker may become durable with the checkpoint, in any order.
        fs.writeFileSync(path.join(this.dir, CLEAN_SHUTDOWN_FILE), '');
        await this.sync.directory(this.dir);
      } catch (error) {
        this.fail(error);
      }
    }
    await Promise.all(this.segments.map((s) => s.close()));
    this.rejectWaiters(new StorageError('KAFKA_STORAGE_ERROR', `log ${this.dir} is closed`));
  }

  /** Closes the log and removes its directory (topic deletion). */
  async delete(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.background]);
    await Promise.all(this.segments.map((s) => s.close()));
    this.rejectWaiters(new StorageError('KAFKA_STORAGE_ERROR', `log ${this.dir} was deleted`));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** A failed fsync leaves the page cache state unknown: stop acknowledging anything from this log. */
  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = new StorageError('KAFKA_STORAGE_ERROR', `log ${this.dir} failed: ${(error as Error).message}`, { cause: error });
    this.logger.error({ dir: this.dir, err: error }, 'log failed; it accepts no more writes');
    this.rejectWaiters(this.failure);
    for (const listener of this.failureListeners) listener(this.failure);
  }

  private rejectWaiters(error: StorageError): void {
    for (const waiter of this.durableWaiters.splice(0)) waiter.reject(error);
  }

  private track(promise: Promise<unknown>): void {
    const tracked = promise.finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  private throwIfClosed(): void {
    if (this.closed) throw new StorageError('KAFKA_STORAGE_ERROR', `log ${this.dir} is closed`);
  }

  private throwIfUnusable(): void {
    this.throwIfClosed();
    if (this.failure !== undefined) throw this.failure;
  }

  /** One compaction pass over the sealed segments below `upperBoundOffset` (see compactLog). */
  compact(upperBoundOffset = this.logEndOffset): Promise<CompactionResult> {
    this.throwIfUnusable();
    return compactLog(this, this.now(), upperBoundOffset);
  }
}
