import fs from 'node:fs';
import { BASE_OFFSET_OFFSET, BATCH_HEADER_SIZE, BATCH_LENGTH_OFFSET, LAST_OFFSET_DELTA_OFFSET, LOG_OVERHEAD, decodeBatch, isBatchCrcValid, readBatchHeader, RecordsError, type BatchHeader } from '@quill/records';
import { StorageError } from '../errors.js';
import { LOG_SUFFIX, OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX, segmentPath } from '../file-names.js';
import type { LogSync } from '../file-sync.js';
import { SparseIndex, type IndexEntry } from '../index/sparse-index.js';
import { scanSegment, type ScanRules, type ScannedBatch } from './batch-scan.js';
import { FileWindow } from './file-window.js';

export interface SegmentOptions {
  indexIntervalBytes: number;
  sync: LogSync;
}

export interface OpenSegmentOptions extends SegmentOptions {
  /** Validate every batch (CRC, framing, offsets) and truncate at the first damaged one. */
  recover: boolean;
  rules: Omit<ScanRules, 'verifyCrc'>;
  nowMs: number;
}

export interface SegmentOpenReport {
  /** Bytes cut from the end of the segment because they were torn or damaged. */
  truncatedBytes: number;
  damage: string | undefined;
  rebuiltIndexes: boolean;
}

/** A batch just written, with its position in the buffer that was appended. */
export interface AppendedBatch {
  header: BatchHeader;
  position: number;
}

export interface SegmentRead {
  records: Buffer;
  firstOffset: number;
  lastOffset: number;
}

/**
 * One segment of a partition log: `<base>.log` with its sparse offset and time indexes. Reads and
 * writes are synchronous positional I/O on the page cache (no interleaving with other work on the
 * event loop); only fdatasync goes to the thread pool.
 */
export class LogSegment {
  private fd: number;
  private size = 0;
  private nextOffset: number;
  private maxTimestamp = -1;
  private bytesSinceIndexEntry = 0;
  private readonly syncs = new Set<Promise<void>>();
  private closed = false;
  /** Changes whenever bytes are removed, so a background task can tell its view is stale. */
  generation = 0;

  private constructor(
    readonly dir: string,
    readonly baseOffset: number,
    private readonly options: SegmentOptions,
    private offsetIndex: SparseIndex,
    private timeIndex: SparseIndex,
    /** Time this segment started, for segment.ms rolling. */
    readonly rollReferenceMs: number,
  ) {
    this.fd = fs.openSync(segmentPath(dir, baseOffset, LOG_SUFFIX), 'r+');
    this.nextOffset = baseOffset;
  }

  static create(dir: string, baseOffset: number, options: SegmentOptions, nowMs: number): LogSegment {
    fs.writeFileSync(segmentPath(dir, baseOffset, LOG_SUFFIX), Buffer.alloc(0));
    const offsetIndex = SparseIndex.create(segmentPath(dir, baseOffset, OFFSET_INDEX_SUFFIX));
    const timeIndex = SparseIndex.create(segmentPath(dir, baseOffset, TIME_INDEX_SUFFIX));
    return new LogSegment(dir, baseOffset, options, offsetIndex, timeIndex, nowMs);
  }

  /**
   * Opens an existing segment. Trusted segments load their indexes (rebuilding damaged ones) and
   * check only the tail after the last index entry; a segment being recovered, or one whose tail is
   * inconsistent, is scanned in full with CRCs and cut at the first damaged batch.
   */
  static open(dir: string, baseOffset: number, options: OpenSegmentOptions): { segment: LogSegment; report: SegmentOpenReport } {
    const logPath = segmentPath(dir, baseOffset, LOG_SUFFIX);
    const offsetIndexPath = segmentPath(dir, baseOffset, OFFSET_INDEX_SUFFIX);
    const timeIndexPath = segmentPath(dir, baseOffset, TIME_INDEX_SUFFIX);
    const fileSize = fs.statSync(logPath).size;
    const offsetIndex = options.recover ? undefined : SparseIndex.load(offsetIndexPath, offsetEntryValidator(fileSize));
    const timeIndex = options.recover ? undefined : SparseIndex.load(timeIndexPath, timeEntryValidator());
    // A missing or damaged index starts empty and is rebuilt from the log below.
    const segment = new LogSegment(
      dir,
      baseOffset,
      options,
      offsetIndex ?? SparseIndex.empty(offsetIndexPath),
      timeIndex ?? SparseIndex.empty(timeIndexPath),
      options.nowMs,
    );
    segment.size = fileSize;
    const report: SegmentOpenReport = { truncatedBytes: 0, damage: undefined, rebuiltIndexes: false };
    if (offsetIndex !== undefined && timeIndex !== undefined && segment.restoreTail(options.rules) === undefined) {
      return { segment, report };
    }
    const scan = scanSegment(segment.fd, fileSize, 0, baseOffset, { ...options.rules, verifyCrc: true });
    if (scan.validBytes < fileSize) {
      fs.ftruncateSync(segment.fd, scan.validBytes);
      report.truncatedBytes = fileSize - scan.validBytes;
      report.damage = scan.damage;
    }
    segment.size = scan.validBytes;
    segment.rebuildIndexes(scan.batches);
    report.rebuiltIndexes = true;
    return { segment, report };
  }

  get sizeInBytes(): number {
    return this.size;
  }

  /** The offset after the last batch (the base offset when empty). */
  get endOffset(): number {
    return this.nextOffset;
  }

  get largestTimestamp(): number {
    return this.maxTimestamp;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  /** Appends already-validated batches with one write. Positions are relative to `buffer`. */
  append(buffer: Buffer, batches: readonly AppendedBatch[]): void {
    const filePosition = this.size;
    writeFully(this.fd, buffer, filePosition);
    for (const { header, position } of batches) this.noteBatch(header, filePosition + position);
    this.size += buffer.length;
  }

  private noteBatch(header: BatchHeader, filePosition: number): void {
    if (this.bytesSinceIndexEntry >= this.options.indexIntervalBytes) {
      const relativeOffset = header.baseOffset - this.baseOffset;
      this.offsetIndex.append(relativeOffset, filePosition);
      // Key: newest timestamp of every batch before this one, so a lookup for T can start here
      // whenever the key is below T.
      const lastTime = this.timeIndex.last();
      if (this.maxTimestamp >= 0 && (lastTime === undefined || this.maxTimestamp > lastTime.key)) {
        this.timeIndex.append(this.maxTimestamp, relativeOffset);
      }
      this.bytesSinceIndexEntry = 0;
    }
    this.bytesSinceIndexEntry += header.sizeInBytes;
    if (header.maxTimestamp > this.maxTimestamp) this.maxTimestamp = header.maxTimestamp;
    this.nextOffset = header.lastOffset + 1;
  }

  private rebuildIndexes(batches: readonly ScannedBatch[]): void {
    this.offsetIndex.closeFile();
    this.timeIndex.closeFile();
    const offsetEntries: IndexEntry[] = [];
    const timeEntries: IndexEntry[] = [];
    this.bytesSinceIndexEntry = 0;
    this.maxTimestamp = -1;
    this.nextOffset = this.baseOffset;
    for (const { header, position } of batches) {
      if (this.bytesSinceIndexEntry >= this.options.indexIntervalBytes) {
        const relativeOffset = header.baseOffset - this.baseOffset;
        offsetEntries.push({ key: relativeOffset, value: position });
        const lastKey = timeEntries[timeEntries.length - 1]?.key ?? -1;
        if (this.maxTimestamp > lastKey) timeEntries.push({ key: this.maxTimestamp, value: relativeOffset });
        this.bytesSinceIndexEntry = 0;
      }
      this.bytesSinceIndexEntry += header.sizeInBytes;
      if (header.maxTimestamp > this.maxTimestamp) this.maxTimestamp = header.maxTimestamp;
      this.nextOffset = header.lastOffset + 1;
    }
    this.offsetIndex = SparseIndex.write(segmentPath(this.dir, this.baseOffset, OFFSET_INDEX_SUFFIX), offsetEntries);
    this.timeIndex = SparseIndex.write(segmentPath(this.dir, this.baseOffset, TIME_INDEX_SUFFIX), timeEntries);
  }

  /**
   * Recomputes the in-memory tail state (end offset, newest timestamp, bytes since the last index
   * entry) by checking the batches after the last offset index entry. Returns why the tail is not
   * consistent, or undefined when it is.
   */
  private restoreTail(rules: Omit<ScanRules, 'verifyCrc'>): string | undefined {
    const lastEntry = this.offsetIndex.last();
    const startPosition = lastEntry?.value ?? 0;
    const startOffset = this.baseOffset + (lastEntry?.key ?? 0);
    const scan = scanSegment(this.fd, this.size, startPosition, startOffset, { ...rules, verifyCrc: true });
    if (scan.damage !== undefined) return scan.damage;
    const lastTime = this.timeIndex.last();
    if (lastTime !== undefined && lastEntry !== undefined && lastTime.value > lastEntry.key) {
      return 'time index points beyond the offset index';
    }
    this.maxTimestamp = lastTime?.key ?? -1;
    this.bytesSinceIndexEntry = 0;
    this.nextOffset = startOffset;
    for (const { header } of scan.batches) {
      this.bytesSinceIndexEntry += header.sizeInBytes;
      if (header.maxTimestamp > this.maxTimestamp) this.maxTimestamp = header.maxTimestamp;
      this.nextOffset = header.lastOffset + 1;
    }
    return undefined;
  }

  /**
   * Whole batches starting with the one that contains `targetOffset`, up to `maxBytes` (at least one
   * batch, so a consumer always progresses), none at or beyond `maxOffset`. Undefined if there is none.
   * Each batch's base offset (outside the CRC) is checked against the chain from an index entry, so
   * a damaged offset field is reported rather than served; `dense` logs need an exact chain.
   */
  read(targetOffset: number, maxBytes: number, maxOffset: number, options: { verifyCrc: boolean; dense: boolean }): SegmentRead | undefined {
    if (targetOffset >= this.nextOffset || targetOffset >= maxOffset) return undefined;
    const window = new FileWindow(this.fd, this.size, maxBytes + this.options.indexIntervalBytes + BATCH_HEADER_SIZE);
    let { position, header } = this.seek(window, targetOffset, options.dense);
    if (header === undefined || header.lastOffset >= maxOffset) return undefined;
    const start = position;
    const firstOffset = header.baseOffset;
    let lastOffset = header.lastOffset;
    position += header.sizeInBytes;
    while (position < this.size) {
      // Damage further on ends this read early; the next read starts at it and reports it.
      const next = this.headerOrUndefined(window, position, lastOffset + 1, options.dense);
      if (next === undefined || next.lastOffset >= maxOffset || position + next.sizeInBytes - start > maxBytes) break;
      lastOffset = next.lastOffset;
      position += next.sizeInBytes;
    }
    let records = window.view(start, position - start);
    if (options.verifyCrc) {
      const valid = this.verifiedPrefix(records);
      if (valid === 0) throw this.damaged(start, 'batch fails its CRC');
      if (valid < records.length) {
        records = records.subarray(0, valid);
        lastOffset = readBatchHeader(records, lastBatchStart(records)).lastOffset;
      }
    }
    // The window's buffer was allocated for this read alone: hand it out without another copy.
    return { records, firstOffset, lastOffset };
  }

  /**
   * File position of the batch holding `offset` (the segment's size from its end on), from the
   * offset index and the batches' length fields alone: byte counts without reading records.
   */
  positionOf(offset: number): number {
    if (offset >= this.nextOffset) return this.size;
    let position = this.offsetIndex.floor(offset - this.baseOffset)?.value ?? 0;
    const window = new FileWindow(this.fd, this.size, this.options.indexIntervalBytes + BATCH_HEADER_SIZE);
    while (position < this.size) {
      const head = window.view(position, BATCH_HEADER_SIZE);
      if (head.length < BATCH_HEADER_SIZE) break;
      if (Number(head.readBigInt64BE(BASE_OFFSET_OFFSET)) + head.readInt32BE(LAST_OFFSET_DELTA_OFFSET) >= offset) break;
      position += head.readInt32BE(BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    }
    return Math.min(position, this.size);
  }

  private headerOrUndefined(window: FileWindow, position: number, expectedOffset: number, exact: boolean): BatchHeader | undefined {
    try {
      return this.headerAt(window, position, expectedOffset, exact);
    } catch (error) {
      if (error instanceof StorageError) return undefined;
      throw error;
    }
  }

  /** The batch containing (or, past a compaction gap, following) `targetOffset`, via the offset index. */
  private seek(window: FileWindow, targetOffset: number, dense: boolean): { position: number; header: BatchHeader | undefined } {
    const entry = this.offsetIndex.floor(targetOffset - this.baseOffset);
    let position = entry?.value ?? 0;
    // Compaction can empty a segment that still covers its offsets.
    if (position >= this.size) return { position, header: undefined };
    // An index entry names its batch's base offset exactly; the segment start only bounds it when compacted.
    let header = this.headerAt(window, position, this.baseOffset + (entry?.key ?? 0), dense || entry !== undefined);
    while (header.lastOffset < targetOffset) {
      position += header.sizeInBytes;
      if (position >= this.size) return { position, header: undefined };
      header = this.headerAt(window, position, header.lastOffset + 1, dense);
    }
    return { position, header };
  }

  private headerAt(window: FileWindow, position: number, expectedOffset: number, exact: boolean): BatchHeader {
    const head = window.view(position, BATCH_HEADER_SIZE);
    const claimed = head.length >= BATCH_HEADER_SIZE ? head.readInt32BE(8) + 12 : BATCH_HEADER_SIZE;
    try {
      const header = readBatchHeader(window.view(position, Math.max(claimed, BATCH_HEADER_SIZE)), 0);
      const misplaced = exact ? header.baseOffset !== expectedOffset : header.baseOffset < expectedOffset;
      if (misplaced || header.lastOffset >= this.nextOffset) {
        throw new RecordsError('CORRUPT_MESSAGE', `batch offset ${header.baseOffset} where ${expectedOffset} was expected`);
      }
      return header;
    } catch (error) {
      if (!(error instanceof RecordsError)) throw error;
      throw this.damaged(position, error.message, error);
    }
  }

  /** Bytes of whole batches from the start of `records` whose CRCs hold. */
  private verifiedPrefix(records: Buffer): number {
    let position = 0;
    while (position < records.length) {
      const header = readBatchHeader(records, position);
      if (!isBatchCrcValid(records, header, position)) break;
      position += header.sizeInBytes;
    }
    return position;
  }

  private damaged(position: number, detail: string, cause?: unknown): StorageError {
    return new StorageError(
      'KAFKA_STORAGE_ERROR',
      `segment ${this.baseOffset} of ${this.dir} is damaged near byte ${position}: ${detail}`,
      { cause },
    );
  }

  /** Every batch of the segment (headers only, positions in the file), for the cleaner and tools. */
  batches(): ScannedBatch[] {
    const scan = scanSegment(this.fd, this.size, 0, this.baseOffset, { verifyCrc: false, dense: false, offsetLimit: undefined });
    if (scan.damage !== undefined) throw this.damaged(scan.validBytes, scan.damage);
    return scan.batches;
  }

  /** Raw bytes of the file between two positions (for the cleaner, which copies batches as-is). */
  readBytes(position: number, length: number): Buffer {
    return Buffer.from(new FileWindow(this.fd, this.size, length).view(position, length));
  }

  /**
   * The first record with a timestamp >= `timestampMs`, by the time index then a scan. Undefined
   * when every record here is older.
   */
  findOffsetByTimestamp(timestampMs: number, startOffset: number): { offset: number; timestamp: number } | undefined {
    if (this.maxTimestamp < timestampMs) return undefined;
    const timeEntry = this.timeIndex.floor(timestampMs, true);
    const fromOffset = Math.max(startOffset, this.baseOffset + (timeEntry?.value ?? 0));
    const window = new FileWindow(this.fd, this.size, 64 * 1024);
    let { position, header } = this.seek(window, fromOffset, false);
    while (header !== undefined) {
      if (header.maxTimestamp >= timestampMs) {
        const { records } = decodeOrDamage(this, window.view(position, header.sizeInBytes), position);
        const match = records.find((r) => r.offset >= fromOffset && r.timestamp >= timestampMs);
        if (match !== undefined) return { offset: match.offset, timestamp: match.timestamp };
      }
      position += header.sizeInBytes;
      header = position < this.size ? this.headerAt(window, position, header.lastOffset + 1, false) : undefined;
    }
    return undefined;
  }

  /**
   * Removes every batch whose last offset is >= `offset` (a batch containing it goes entirely).
   * Returns the number of bytes removed.
   */
  truncateTo(offset: number): number {
    if (offset >= this.nextOffset) return 0;
    const { position } = this.seek(new FileWindow(this.fd, this.size, 64 * 1024), offset, false);
    const removed = this.size - position;
    fs.ftruncateSync(this.fd, position);
    this.size = position;
    this.offsetIndex.truncateWhile((e) => e.value < position);
    const lastRelative = this.offsetIndex.last()?.key ?? 0;
    this.timeIndex.truncateWhile((e) => e.value <= lastRelative);
    this.generation++;
    const damage = this.restoreTail({ dense: false, offsetLimit: undefined });
    if (damage !== undefined) throw this.damaged(position, damage);
    if (this.size === 0) this.nextOffset = this.baseOffset;
    return removed;
  }

  /** fdatasync of the log file. A closed (deleted) segment has nothing left to sync. */
  async flush(): Promise<void> {
    if (this.closed) return;
    const sync = this.options.sync.segmentData(this.fd);
    this.syncs.add(sync);
    try {
      await sync;
    } finally {
      this.syncs.delete(sync);
    }
  }

  /** Resolves when every fdatasync started so far has finished (so its descriptor may be closed). */
  private syncsSettled(): Promise<void> {
    return Promise.allSettled([...this.syncs]).then(() => undefined);
  }

  /** Makes the indexes durable too: done when the segment stops being the active one. */
  async flushIndexes(): Promise<void> {
    await Promise.all([this.offsetIndex.flush(), this.timeIndex.flush()]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.syncsSettled();
    this.offsetIndex.closeFile();
    this.timeIndex.closeFile();
    fs.closeSync(this.fd);
  }

  /** Removes a segment's files without opening it (segments made unreachable by damage before them). */
  static removeFiles(dir: string, baseOffset: number): void {
    for (const suffix of [LOG_SUFFIX, OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      fs.rmSync(segmentPath(dir, baseOffset, suffix), { force: true });
    }
  }

  /**
   * Removes the files at once (synchronously, before the first await: open descriptors stay valid on
   * POSIX) and closes them after any in-flight fdatasync.
   */
  async delete(): Promise<void> {
    LogSegment.removeFiles(this.dir, this.baseOffset);
    // Unwritten index entries belong to files that are gone: writing them on close would recreate
    // the files, possibly under a new segment with the same base offset.
    this.offsetIndex.discardPending();
    this.timeIndex.discardPending();
    await this.close();
  }

  /**
   * Swaps in a rewritten log file (compaction output) whose batches are `batches`. The caller has
   * written and fsynced `cleanedPath`; indexes are dropped first so a crash mid-swap rebuilds them.
   */
  replaceWith(cleanedPath: string, batches: readonly ScannedBatch[], newSize: number): void {
    this.offsetIndex.closeFile();
    this.timeIndex.closeFile();
    fs.rmSync(segmentPath(this.dir, this.baseOffset, OFFSET_INDEX_SUFFIX), { force: true });
    fs.rmSync(segmentPath(this.dir, this.baseOffset, TIME_INDEX_SUFFIX), { force: true });
    fs.renameSync(cleanedPath, segmentPath(this.dir, this.baseOffset, LOG_SUFFIX));
    const oldFd = this.fd;
    this.fd = fs.openSync(segmentPath(this.dir, this.baseOffset, LOG_SUFFIX), 'r+');
    // In-flight fdatasyncs may still use the old descriptor: close it once they settle.
    void this.syncsSettled().then(() => fs.closeSync(oldFd));
    const previousEnd = this.nextOffset;
    this.size = newSize;
    this.generation++;
    this.rebuildIndexes(batches);
    // A segment emptied by compaction still covers its offsets, up to where it used to end.
    this.nextOffset = previousEnd;
  }
}

function lastBatchStart(records: Buffer): number {
  let position = 0;
  for (;;) {
    const next = position + readBatchHeader(records, position).sizeInBytes;
    if (next >= records.length) return position;
    position = next;
  }
}

function decodeOrDamage(segment: LogSegment, bytes: Buffer, position: number): ReturnType<typeof decodeBatch> {
  try {
    return decodeBatch(bytes);
  } catch (error) {
    if (error instanceof RecordsError) {
      throw new StorageError('KAFKA_STORAGE_ERROR', `segment ${segment.baseOffset} has an undecodable batch at byte ${position}`, {
        cause: error,
      });
    }
    throw error;
  }
}

function writeFully(fd: number, buffer: Buffer, position: number): void {
  let written = 0;
  while (written < buffer.length) {
    written += fs.writeSync(fd, buffer, written, buffer.length - written, position + written);
  }
}

function offsetEntryValidator(fileSize: number) {
  return (entry: IndexEntry, previous: IndexEntry | undefined): boolean =>
    entry.value < fileSize &&
    entry.key >= 0 &&
    (previous === undefined || (entry.key > previous.key && entry.value > previous.value));
}

function timeEntryValidator() {
  return (entry: IndexEntry, previous: IndexEntry | undefined): boolean =>
    entry.key >= 0 && (previous === undefined || (entry.key > previous.key && entry.value > previous.value));
}
