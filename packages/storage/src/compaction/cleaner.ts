import fs from 'node:fs';
import { decodeBatch, encodeBatch, encodeEmptyBatch, readBatchHeader, type BatchHeader, type Record } from '@quill/records';
import { CLEANED_SUFFIX, LOG_SUFFIX, segmentPath } from '../file-names.js';
import { fdatasync } from '../file-sync.js';
import type { LogConfig } from '../config.js';
import type { ScannedBatch } from '../segment/batch-scan.js';
import type { LogSegment } from '../segment/segment.js';

export interface CompactionResult {
  segmentsCleaned: number;
  bytesBefore: number;
  bytesAfter: number;
  recordsRemoved: number;
  tombstonesRemoved: number;
}

/** What a compaction pass needs of the partition log it cleans. */
export interface CompactableLog {
  readonly config: Pick<LogConfig, 'cleanerMaxKeys' | 'deleteRetentionMs'>;
  /** Offsets below this were cleaned by an earlier pass. */
  cleanedUpTo: number;
  readonly truncationCount: number;
  sealedSegmentsBelow(upperBoundOffset: number): LogSegment[];
  allSegments(): LogSegment[];
  holdsSegment(segment: LogSegment, generation: number): boolean;
  markCompacted(): void;
}

/** Bytes of work between two yields to the event loop, so appends and reads go on during a clean. */
const YIELD_EVERY_BYTES = 256 * 1024;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Binary-safe map key for a record key. */
const keyOf = (key: Buffer): string => key.toString('latin1');

/**
 * One compaction pass (cleanup.policy=compact): keeps the latest record per key among the sealed
 * segments below `upperBoundOffset`, plus every record without a key. A tombstone (null value) is
 * kept until its delete horizon — stamped when a pass first keeps it, `deleteRetentionMs` later
 * (KIP-534) — has passed. Segments are rewritten one for one at their base offsets, so offsets never
 * change; the active segment is never touched, so appends go on. Each producer's last batch stays,
 * emptied of records if need be (as Kafka does): the broker rebuilds producer sequences from the
 * log, and without it an idempotent producer's next batch would be out of order after a restart.
 */
export async function compactLog(log: CompactableLog, nowMs: number, upperBoundOffset: number): Promise<CompactionResult> {
  const result: CompactionResult = { segmentsCleaned: 0, bytesBefore: 0, bytesAfter: 0, recordsRemoved: 0, tombstonesRemoved: 0 };
  const candidates = log.sealedSegmentsBelow(upperBoundOffset);
  const { latest, mappedSegments } = await buildOffsetMap(candidates, log.config.cleanerMaxKeys);
  if (mappedSegments.length === 0) return result;
  const truncations = log.truncationCount;
  const lastOfProducer = await lastBatchOfEachProducer(log);
  log.markCompacted();
  for (const segment of mappedSegments) {
    const generation = segment.generation;
    const cleaned = await cleanSegment(segment, { latest, lastOfProducer, nowMs, deleteRetentionMs: log.config.deleteRetentionMs }, result);
    if (cleaned === undefined) continue;
    const cleanedPath = `${segmentPath(segment.dir, segment.baseOffset, LOG_SUFFIX)}${CLEANED_SUFFIX}`;
    await writeDurably(cleanedPath, cleaned.bytes);
    // Truncation or retention may have changed the log while this pass yielded; a truncation may
    // also have removed the later batch that made a producer's batch here not its last.
    if (!log.holdsSegment(segment, generation) || log.truncationCount !== truncations) {
      fs.rmSync(cleanedPath, { force: true });
      continue;
    }
    result.bytesBefore += segment.sizeInBytes;
    result.bytesAfter += cleaned.bytes.length;
    segment.replaceWith(cleanedPath, cleaned.batches, cleaned.bytes.length);
    result.segmentsCleaned++;
  }
  const lastMapped = mappedSegments[mappedSegments.length - 1]!;
  log.cleanedUpTo = Math.max(log.cleanedUpTo, lastMapped.endOffset);
  return result;
}

/**
 * Latest offset per key over the candidate segments, in order. Stops before a segment that would
 * take the map past `maxKeys`; only fully mapped segments may be cleaned.
 */
async function buildOffsetMap(
  segments: readonly LogSegment[],
  maxKeys: number,
): Promise<{ latest: Map<string, number>; mappedSegments: LogSegment[] }> {
  const latest = new Map<string, number>();
  const mappedSegments: LogSegment[] = [];
  for (const segment of segments) {
    const staged: Array<[string, number]> = [];
    let sinceYield = 0;
    for (const { header, position } of segment.batches()) {
      if (header.isControl) continue;
      for (const record of decodeBatch(segment.readBytes(position, header.sizeInBytes)).records) {
        if (record.key !== null) staged.push([keyOf(record.key), record.offset]);
      }
      sinceYield += header.sizeInBytes;
      if (sinceYield >= YIELD_EVERY_BYTES) {
        sinceYield = 0;
        await yieldToEventLoop();
      }
    }
    const newKeys = new Set(staged.map(([key]) => key).filter((key) => !latest.has(key))).size;
    if (latest.size + newKeys > maxKeys && mappedSegments.length > 0) break;
    for (const [key, offset] of staged) latest.set(key, offset);
    mappedSegments.push(segment);
  }
  return { latest, mappedSegments };
}

/**
 * The base offset of each producer's last data batch in the log (control batches are kept anyway).
 * Headers only; yields between segments.
 */
async function lastBatchOfEachProducer(log: CompactableLog): Promise<Map<number, number>> {
  const last = new Map<number, number>();
  for (const segment of log.allSegments()) {
    // Removed while this pass yielded (retention, truncation): its batches are gone.
    if (!log.holdsSegment(segment, segment.generation)) continue;
    for (const { header } of segment.batches()) {
      if (header.producerId >= 0 && !header.isControl) last.set(header.producerId, header.baseOffset);
    }
    await yieldToEventLoop();
  }
  return last;
}

interface CleanRules {
  /** The latest offset of each key. */
  latest: ReadonlyMap<string, number>;
  /** Base offset of each producer's last batch: that batch is never removed entirely. */
  lastOfProducer: ReadonlyMap<number, number>;
  nowMs: number;
  deleteRetentionMs: number;
}

interface CleanedSegment {
  bytes: Buffer;
  batches: ScannedBatch[];
}

/** The segment's batches with superseded records and expired tombstones removed; undefined if unchanged. */
async function cleanSegment(segment: LogSegment, rules: CleanRules, result: CompactionResult): Promise<CleanedSegment | undefined> {
  const parts: Buffer[] = [];
  const batches: ScannedBatch[] = [];
  let size = 0;
  let changed = false;
  let sinceYield = 0;
  for (const { header, position } of segment.batches()) {
    const original = segment.readBytes(position, header.sizeInBytes);
    const output = header.isControl ? original : cleanBatch(original, header, rules, result);
    if (output !== original) changed = true;
    if (output !== undefined) {
      batches.push({ header: readBatchHeader(output, 0), position: size });
      parts.push(output);
      size += output.length;
    }
    sinceYield += header.sizeInBytes;
    if (sinceYield >= YIELD_EVERY_BYTES) {
      sinceYield = 0;
      await yieldToEventLoop();
    }
  }
  return changed ? { bytes: Buffer.concat(parts, size), batches } : undefined;
}

/**
 * The batch unchanged (same Buffer), rewritten, emptied (a producer's last batch keeps its header),
 * or undefined when nothing in it survives.
 */
function cleanBatch(original: Buffer, header: BatchHeader, rules: CleanRules, result: CompactionResult): Buffer | undefined {
  const { latest, nowMs, deleteRetentionMs } = rules;
  const { records } = decodeBatch(original);
  const horizon = header.hasDeleteHorizon ? header.baseTimestamp : undefined;
  const kept: Record[] = [];
  let hasTombstone = false;
  for (const record of records) {
    const superseded = record.key !== null && latest.get(keyOf(record.key)) !== record.offset;
    if (superseded) {
      result.recordsRemoved++;
      continue;
    }
    if (record.value === null) {
      if (horizon !== undefined && horizon <= nowMs) {
        result.tombstonesRemoved++;
        result.recordsRemoved++;
        continue;
      }
      hasTombstone = true;
    }
    kept.push(record);
  }
  if (kept.length === 0) {
    if (rules.lastOfProducer.get(header.producerId) !== header.baseOffset) return undefined;
    if (records.length === 0) return original;
    return encodeEmptyBatch({
      baseOffset: header.baseOffset,
      lastOffsetDelta: header.lastOffsetDelta,
      timestamp: header.maxTimestamp,
      partitionLeaderEpoch: header.partitionLeaderEpoch,
      timestampType: header.timestampType,
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      isTransactional: header.isTransactional,
    });
  }
  const needsHorizon = hasTombstone && horizon === undefined;
  if (kept.length === records.length && !needsHorizon) return original;
  return encodeBatch(
    kept.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
    {
      baseOffset: header.baseOffset,
      offsetDeltas: kept.map((r) => r.offset - header.baseOffset),
      lastOffsetDelta: header.lastOffsetDelta,
      partitionLeaderEpoch: header.partitionLeaderEpoch,
      compression: header.compression,
      timestampType: header.timestampType,
      producerId: header.producerId,
      producerEpoch: header.producerEpoch,
      baseSequence: header.baseSequence,
      isTransactional: header.isTransactional,
      ...(hasTombstone ? { deleteHorizonMs: horizon ?? nowMs + deleteRetentionMs } : {}),
    },
  );
}

async function writeDurably(filePath: string, bytes: Buffer): Promise<void> {
  const fd = fs.openSync(filePath, 'w');
  try {
    fs.writeSync(fd, bytes);
    await fdatasync(fd);
  } finally {
    fs.closeSync(fd);
  }
}
