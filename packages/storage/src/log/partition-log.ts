import fs from 'node:fs';
import { systemClock, type Clock } from '@quill/clock';
import type { BatchHeader } from '@quill/records';
import { pino, type Logger } from 'pino';
import { compactLog, type CompactionResult } from '../compaction/cleaner.js';
import { resolveLogConfig, type LogConfig } from '../config.js';
import { StorageError } from '../errors.js';
import { REAL_LOG_SYNC, type LogSync } from '../file-sync.js';
import { GroupCommitScheduler } from '../flush/group-commit.js';
import { LogSegment, type SegmentOptions } from '../segment/segment.js';
import { describeAppend, placeBatches, splitForAppend, type AppendInfo, type AppendOptions } from './append-batches.js';
import { DurabilityTracker } from './durability-tracker.js';
import { LogFlusher, type FlushedLog } from './log-flusher.js';
import {
  lowerRecoveryPoint,
  readLogStartOffset,
  replaceRecoveryPoint,
  writeCleanShutdownMarker,
  writeCompactedMarker,
  writeLogStartOffset,
} from './recovery-files.js';
import { recoverLog, type OpenReport, type RecoveredLog } from './recovery.js';
import { segmentsToDelete } from './retention.js';

export interface PartitionLogOptions {
  config?: Partial<LogConfig>;
  logger?: Logger;
  /** Shared across a broker's logs so one fsync round covers every partition. */
  flushScheduler?: GroupCommitScheduler;
  /** Injected so tests control segment age and retention. */
  clock?: Clock;
  /** The fsyncs acks depend on; injected so tests can hold them or observe their order. */
  sync?: LogSync;
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

const DEFAULT_READ_MAX_BYTES = 1024 * 1024;

/**
 * The log of one partition: an ordered list of segments, the last one active. Offsets are dense
 * at append and never reused; what is acknowledged depends on the flush policy (see durableEndOffset).
 */
export class PartitionLog {
  private segments: LogSegment[];
  private readonly durability: DurabilityTracker;
  private readonly flusher: LogFlusher;
  private readonly failureListeners = new Set<(error: StorageError) => void>();
  private readonly background = new Set<Promise<unknown>>();
  private failure: StorageError | undefined;
  private closed = false;
  private compacted: boolean;
  /** Offsets below this were cleaned by the last compaction pass. */
  cleanedUpTo = 0;
  private truncations = 0;
  readonly openReport: OpenReport;
  private currentConfig: LogConfig;
  /** Records below this were deleted (DeleteRecords); the first segment may still hold them until retention runs. */
  private startOffset: number;

  private constructor(
    readonly dir: string,
    config: LogConfig,
    private readonly logger: Logger,
    scheduler: GroupCommitScheduler,
    private readonly clock: Clock,
    private readonly sync: LogSync,
    recovered: RecoveredLog,
    checkpointedStartOffset: number,
  ) {
    this.currentConfig = config;
    this.segments = recovered.segments;
    this.startOffset = Math.min(checkpointedStartOffset, this.logEndOffset);
    this.compacted = recovered.compacted;
    this.openReport = recovered.report;
    // open() synced everything it recovered before building the log.
    this.durability = new DurabilityTracker(config.flushPolicy, () => this.logEndOffset, this.logEndOffset);
    const flushedLog: FlushedLog = {
      dir,
      logEndOffset: () => this.logEndOffset,
      isClosed: () => this.closed,
      hasFailed: () => this.failure !== undefined,
      fail: (error) => this.fail(error),
    };
    this.flusher = new LogFlusher(flushedLog, config.flushPolicy, sync, scheduler, this.durability);
  }

  static async open(dir: string, options: PartitionLogOptions = {}): Promise<PartitionLog> {
    const config = resolveLogConfig(options.config);
    const logger = options.logger ?? pino({ level: process.env['QUILL_LOG_LEVEL'] ?? 'warn' });
    const clock = options.clock ?? systemClock;
    const sync = options.sync ?? REAL_LOG_SYNC;
    const recovered = await recoverLog(dir, { indexIntervalBytes: config.indexIntervalBytes, sync, logger, nowMs: () => clock.now() });
    const scheduler = options.flushScheduler ?? new GroupCommitScheduler(config.flushIntervalMs);
    return new PartitionLog(dir, config, logger, scheduler, clock, sync, recovered, readLogStartOffset(dir));
  }

  /** The settings in force (reconfigure replaces them). */
  get config(): LogConfig {
    return this.currentConfig;
  }

  /**
   * Replaces the log's settings while it is open (a topic's configs changed), with the same meaning
   * as open's `config`: keys left out take their defaults. Size and age limits apply from the next
   * append or retention pass, index.interval.bytes from the next segment. A new flush policy or
   * scheduler applies to appends from now on, and everything appended before is flushed at once, so
   * nothing waits under rules that no longer hold; the durable end never goes back.
   */
  reconfigure(config: Partial<LogConfig>, flushScheduler?: GroupCommitScheduler): void {
    this.throwIfUnusable();
    const previous = this.currentConfig;
    const next = resolveLogConfig(config);
    this.currentConfig = next;
    if (next.flushPolicy === previous.flushPolicy && next.flushIntervalMs === previous.flushIntervalMs) return;
    this.durability.setPolicy(next.flushPolicy);
    this.flusher.reconfigure(next.flushPolicy, flushScheduler ?? new GroupCommitScheduler(next.flushIntervalMs));
    this.track(this.flushAfterReconfigure());
  }

  private async flushAfterReconfigure(): Promise<void> {
    try {
      await this.flusher.flushAll(this.segments);
    } catch (error) {
      this.fail(error);
    }
  }

  private get segmentOptions(): SegmentOptions {
    return { indexIntervalBytes: this.config.indexIntervalBytes, sync: this.sync };
  }

  private get activeSegment(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  get logStartOffset(): number {
    return Math.max(this.startOffset, this.segments[0]!.baseOffset);
  }

  /**
   * Deletes the records below `offset` (Kafka's DeleteRecords): they are unreadable at once, the new
   * start is durable before this returns, and segments wholly below it go at the next retention
   * pass. Never moves the start back; refuses an offset past `upperBoundOffset` (the high watermark)
   * and logs whose cleanup.policy does not delete. Returns the log start offset after the call.
   */
  deleteRecordsBefore(offset: number, upperBoundOffset = this.logEndOffset): number {
    this.throwIfUnusable();
    if (!this.config.cleanupPolicy.includes('delete')) {
      throw new StorageError('POLICY_VIOLATION', `records of ${this.dir} cannot be deleted: cleanup.policy is ${this.config.cleanupPolicy}`);
    }
    const bound = Math.min(upperBoundOffset, this.logEndOffset);
    if (offset < 0 || offset > bound) {
      throw new StorageError('OFFSET_OUT_OF_RANGE', `cannot delete records below ${offset}: outside [0, ${bound}] of ${this.dir}`);
    }
    return this.advanceLogStartOffset(offset);
  }

  /**
   * Moves the log start offset up to `offset` (capped at the log end) if it is below it: a follower
   * following its leader's start. Returns the log start offset after the call.
   */
  advanceLogStartOffset(offset: number): number {
    this.throwIfUnusable();
    const next = Math.min(offset, this.logEndOffset);
    if (next <= this.logStartOffset) return this.logStartOffset;
    writeLogStartOffset(this.dir, next);
    this.startOffset = next;
    this.logger.info({ dir: this.dir, logStartOffset: next }, 'log start offset advanced');
    return next;
  }

  get logEndOffset(): number {
    return this.activeSegment.endOffset;
  }

  /** End of what has really been fsynced. */
  get flushedOffset(): number {
    return this.durability.flushedOffset;
  }

  /** End of what this log may acknowledge under its flush policy (see DurabilityTracker.durableEndOffset). */
  get durableEndOffset(): number {
    return this.durability.durableEndOffset;
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
    // As Kafka, max.message.bytes binds what a leader accepts, not what a follower copies: the
    // leader took the batch under the limit in force then, which may since have been lowered.
    const batches = splitForAppend(buffer, options.assignOffsets ? this.config.maxMessageBytes : Infinity);
    placeBatches(buffer, batches, this.logEndOffset, options, this.compacted);
    this.maybeRoll(buffer.length, batches[0]!.header.baseOffset);
    const segment = this.activeSegment;
    segment.append(buffer, batches);
    this.flusher.appended(segment);
    return describeAppend(batches);
  }

  private maybeRoll(incomingBytes: number, nextOffset: number): void {
    const active = this.activeSegment;
    if (active.isEmpty) return;
    const full = active.sizeInBytes + incomingBytes > this.config.segmentBytes;
    const old = this.clock.now() - active.rollReferenceMs >= this.config.segmentMs;
    if (full || old) this.roll(nextOffset);
  }

  /** Starts a new active segment at `baseOffset` and makes the previous one durable in the background. */
  private roll(baseOffset: number): void {
    const previous = this.activeSegment;
    const next = LogSegment.create(this.dir, baseOffset, this.segmentOptions, this.clock.now());
    this.segments.push(next);
    this.track(this.flusher.rolled(previous, baseOffset));
    this.logger.debug({ dir: this.dir, baseOffset }, 'rolled segment');
  }

  /** Syncs every segment written since the last flush and advances the flushed offset (group commit). */
  flushDirty(): Promise<void> {
    return this.flusher.flushDirty();
  }

  /** Forces everything appended so far to disk, whatever the policy. */
  async flush(): Promise<void> {
    this.throwIfUnusable();
    await this.flusher.flushAll(this.segments);
    this.throwIfUnusable();
  }

  /** Resolves once everything below `offset` is durable under the flush policy. */
  waitForDurable(offset: number): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    return this.durability.waitFor(offset);
  }

  /** Calls `listener` with the new durable end offset whenever it advances. Returns an unsubscribe. */
  onDurableAdvance(listener: (offset: number) => void): () => void {
    return this.durability.onAdvance(listener);
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

  /**
   * Bytes of the whole batches from the one holding `fromOffset` to the one holding `toOffset`
   * (excluded), from segment sizes and offset indexes: what a long poll's min bytes weigh, with no
   * record read.
   */
  bytesBetween(fromOffset: number, toOffset: number): number {
    this.throwIfClosed();
    if (toOffset <= fromOffset) return 0;
    const first = this.segmentIndexFor(fromOffset);
    const last = this.segmentIndexFor(toOffset);
    let bytes = 0;
    for (let i = first; i <= last; i++) {
      const segment = this.segments[i]!;
      const end = i === last ? segment.positionOf(toOffset) : segment.sizeInBytes;
      bytes += end - (i === first ? segment.positionOf(fromOffset) : 0);
    }
    return bytes;
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
   * The first record with the log's largest timestamp (ListOffsets' max timestamp): the segment
   * whose largest timestamp is highest, then its time index and one batch. Undefined when empty.
   */
  offsetForMaxTimestamp(): { offset: number; timestamp: number } | undefined {
    this.throwIfClosed();
    let latest: LogSegment | undefined;
    for (const segment of this.segments) {
      if (!segment.isEmpty && segment.largestTimestamp >= 0 && segment.largestTimestamp > (latest?.largestTimestamp ?? -1)) latest = segment;
    }
    return latest?.findOffsetByTimestamp(latest.largestTimestamp, this.logStartOffset);
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
      this.flusher.forget(removed);
      this.track(removed.delete());
      this.flusher.directoryChanged();
    }
    this.activeSegment.truncateTo(offset);
    this.afterTruncation();
  }

  /** Drops every segment and restarts the log empty at `offset` (a follower far behind the leader's start). */
  truncateFullyAndStartAt(offset: number): void {
    this.throwIfUnusable();
    for (const segment of this.segments) {
      this.flusher.forget(segment);
      this.track(segment.delete());
    }
    this.segments = [LogSegment.create(this.dir, offset, this.segmentOptions, this.clock.now())];
    if (this.startOffset !== offset) {
      writeLogStartOffset(this.dir, offset);
      this.startOffset = offset;
    }
    this.flusher.directoryChanged();
    this.afterTruncation();
  }

  private afterTruncation(): void {
    this.truncations++;
    const end = this.logEndOffset;
    this.durability.truncated(end);
    if (this.cleanedUpTo > end) this.cleanedUpTo = end;
    lowerRecoveryPoint(this.dir, this.activeSegment.baseOffset);
  }

  /**
   * Deletes whole segments past retention.ms / retention.bytes (delete policy only), never the data
   * at or above `upperBoundOffset`. An expired active segment is rolled first so it can go too.
   * Returns the number of segments deleted.
   */
  async applyRetention(upperBoundOffset = this.logEndOffset): Promise<number> {
    this.throwIfUnusable();
    if (!this.config.cleanupPolicy.includes('delete')) return 0;
    const nowMs = this.clock.now();
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
    const count = segmentsToDelete(summaries, this.config, nowMs, upperBoundOffset, this.logStartOffset);
    if (count === 0) return 0;
    const removed = this.segments.splice(0, count);
    await Promise.all(
      removed.map((segment) => {
        this.flusher.forget(segment);
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
    writeCompactedMarker(this.dir);
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
        replaceRecoveryPoint(this.dir, this.activeSegment.baseOffset);
        // Everything is synced, so the marker may become durable with the checkpoint, in any order.
        writeCleanShutdownMarker(this.dir);
        await this.sync.directory(this.dir);
      } catch (error) {
        this.fail(error);
      }
    }
    await Promise.all(this.segments.map((s) => s.close()));
    this.durability.rejectWaiters(new StorageError('KAFKA_STORAGE_ERROR', `log ${this.dir} is closed`));
  }

  /** Closes the log and removes its directory (topic deletion). */
  async delete(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.background]);
    await Promise.all(this.segments.map((s) => s.close()));
    this.durability.rejectWaiters(new StorageError('KAFKA_STORAGE_ERROR', `log ${this.dir} was deleted`));
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** A failed fsync leaves the page cache state unknown: stop acknowledging anything from this log. */
  private fail(error: unknown): void {
    if (this.failure !== undefined) return;
    this.failure = new StorageError('KAFKA_STORAGE_ERROR', `log ${this.dir} failed: ${(error as Error).message}`, { cause: error });
    this.logger.error({ dir: this.dir, err: error }, 'log failed; it accepts no more writes');
    this.durability.rejectWaiters(this.failure);
    for (const listener of this.failureListeners) listener(this.failure);
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
    return compactLog(this, this.clock.now(), upperBoundOffset);
  }
}
