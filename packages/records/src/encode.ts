import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_TYPES,
  CONTROL_MASK,
  CRC_OFFSET,
  CURRENT_MAGIC,
  DELETE_HORIZON_MASK,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_MASK,
  TRANSACTIONAL_MASK,
  computeBatchCrc,
  type CompressionType,
  type TimestampType,
} from './batch-header.js';
import { compress } from './compression.js';
import type { RecordInput } from './record.js';
import { varintSize, writeVarint } from './varint.js';

export interface BatchOptions {
  baseOffset?: number;
  partitionLeaderEpoch?: number;
  /** Used for records without a timestamp; defaults to the earliest record timestamp or now. */
  baseTimestamp?: number;
  compression?: CompressionType;
  timestampType?: TimestampType;
  producerId?: number;
  producerEpoch?: number;
  baseSequence?: number;
  isTransactional?: boolean;
  isControl?: boolean;
  /** Offset deltas for each record (compaction keeps holes); defaults to 0..n-1. */
  offsetDeltas?: readonly number[];
  /**
   * Kept as given when records were removed from the end of a batch (compaction), so the batch still
   * covers its original offsets; defaults to the last record's offset delta.
   */
  lastOffsetDelta?: number;
  /** When set, baseTimestamp is the delete horizon (KIP-534) and the attribute bit is on. */
  deleteHorizonMs?: number;
}

function toBuffer(value: Buffer | string | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/** A record with its sizes worked out, ready to write. */
export interface PreparedRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Array<{ key: Buffer; value: Buffer | null }>;
  timestampDelta: number;
  offsetDelta: number;
  bodySize: number;
}

function nullableSize(bytes: Buffer | null): number {
  return bytes === null ? varintSize(-1) : varintSize(bytes.length) + bytes.length;
}

const NO_HEADERS: PreparedRecord['headers'] = [];

export function prepareRecord(input: RecordInput, timestamp: number, baseTimestamp: number, offsetDelta: number): PreparedRecord {
  const key = toBuffer(input.key);
  const value = toBuffer(input.value);
  const headers = input.headers === undefined || input.headers.length === 0 ? NO_HEADERS : input.headers.map((h) => ({ key: Buffer.from(h.key), value: toBuffer(h.value) }));
  const timestampDelta = timestamp - baseTimestamp;
  let bodySize = 1 + varintSize(timestampDelta) + varintSize(offsetDelta) + nullableSize(key) + nullableSize(value);
  bodySize += varintSize(headers.length);
  for (const h of headers) bodySize += nullableSize(h.key) + nullableSize(h.value);
  return { key, value, headers, timestampDelta, offsetDelta, bodySize };
}

function writeNullable(buf: Buffer, offset: number, bytes: Buffer | null): number {
  if (bytes === null) return writeVarint(buf, offset, -1);
  offset = writeVarint(buf, offset, bytes.length);
  buf.set(bytes, offset);
  return offset + bytes.length;
}

/** Writes a prepared record at `offset` (its length varint first) and returns the offset after it. */
export function writeRecord(buf: Buffer, offset: number, r: PreparedRecord): number {
  offset = writeVarint(buf, offset, r.bodySize);
  buf[offset++] = 0; // record attributes: unused in v2
  offset = writeVarint(buf, offset, r.timestampDelta);
  offset = writeVarint(buf, offset, r.offsetDelta);
  offset = writeNullable(buf, offset, r.key);
  offset = writeNullable(buf, offset, r.value);
  offset = writeVarint(buf, offset, r.headers.length);
  for (const h of r.headers) {
    offset = writeNullable(buf, offset, h.key);
    offset = writeNullable(buf, offset, h.value);
  }
  return offset;
}

/** The earliest timestamp the records give, if any gives one. */
function earliestTimestamp(records: readonly RecordInput[]): number | undefined {
  let earliest: number | undefined;
  for (const record of records) {
    if (record.timestamp !== undefined && (earliest === undefined || record.timestamp < earliest)) earliest = record.timestamp;
  }
  return earliest;
}

/** Encodes records into one RecordBatch v2 (magic 2), compressed as asked, with its CRC-32C. */
export function encodeBatch(records: readonly RecordInput[], options: BatchOptions = {}): Buffer {
  if (records.length === 0) throw new RangeError('a record batch needs at least one record');
  const firstTimestamp = options.baseTimestamp ?? earliestTimestamp(records) ?? Date.now();
  const baseTimestamp = options.deleteHorizonMs ?? firstTimestamp;
  const offsetDeltas = options.offsetDeltas;
  if (offsetDeltas !== undefined && offsetDeltas.length !== records.length) {
    throw new RangeError('offsetDeltas must have one entry per record');
  }

  let maxTimestamp = -Infinity;
  let bodySize = 0;
  const prepared = records.map((input, i) => {
    const timestamp = input.timestamp ?? firstTimestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const record = prepareRecord(input, timestamp, baseTimestamp, offsetDeltas?.[i] ?? i);
    bodySize += varintSize(record.bodySize) + record.bodySize;
    return record;
  });

  // Uncompressed records are written in place after the header: one allocation and one copy of
  // each value per batch (batches are the client's largest allocations, and GC follows their bytes).
  const compression = options.compression ?? 'none';
  let batch: Buffer;
  if (compression === 'none') {
    batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + bodySize);
    let position = BATCH_HEADER_SIZE;
    for (const record of prepared) position = writeRecord(batch, position, record);
  } else {
    const body = Buffer.allocUnsafe(bodySize);
    let position = 0;
    for (const record of prepared) position = writeRecord(body, position, record);
    const compressed = compress(compression, body);
    batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
    batch.set(compressed, BATCH_HEADER_SIZE);
  }
  const lastOffsetDelta = Math.max(options.lastOffsetDelta ?? 0, prepared[prepared.length - 1]!.offsetDelta);
  writeBatchHeader(batch, options, { compression, lastOffsetDelta, baseTimestamp, maxTimestamp, recordCount: records.length });
  return batch;
}

/**
 * A batch with no records that still covers `lastOffsetDelta + 1` offsets and carries its producer
 * fields (Kafka writes the same): compaction leaves one where it removed every record of a
 * producer's last batch, so the producer's sequence survives a rebuild from the log.
 */
export function encodeEmptyBatch(
  options: Omit<BatchOptions, 'baseTimestamp' | 'compression' | 'offsetDeltas' | 'deleteHorizonMs'> & { lastOffsetDelta: number; timestamp: number },
): Buffer {
  const batch = Buffer.alloc(BATCH_HEADER_SIZE);
  writeBatchHeader(batch, options, {
    compression: 'none',
    lastOffsetDelta: options.lastOffsetDelta,
    baseTimestamp: options.timestamp,
    maxTimestamp: options.timestamp,
    recordCount: 0,
  });
  return batch;
}

/**
 * Fills the 61-byte header of a batch whose records are already in place after it (the whole
 * buffer is the batch), CRC last.
 */
export function writeBatchHeader(
  batch: Buffer,
  options: BatchOptions,
  fields: { compression: CompressionType; lastOffsetDelta: number; baseTimestamp: number; maxTimestamp: number; recordCount: number },
): void {
  const size = batch.length;
  let attributes = COMPRESSION_TYPES.indexOf(fields.compression);
  if (options.timestampType === 'log-append') attributes |= TIMESTAMP_TYPE_MASK;
  if (options.isTransactional) attributes |= TRANSACTIONAL_MASK;
  if (options.isControl) attributes |= CONTROL_MASK;
  if (options.deleteHorizonMs !== undefined) attributes |= DELETE_HORIZON_MASK;

  batch.writeBigInt64BE(BigInt(options.baseOffset ?? 0), BASE_OFFSET_OFFSET);
  batch.writeInt32BE(size - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  batch.writeInt32BE(options.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_OFFSET);
  batch.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
  batch.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  batch.writeInt32BE(fields.lastOffsetDelta, LAST_OFFSET_DELTA_OFFSET);
  batch.writeBigInt64BE(BigInt(fields.baseTimestamp), BASE_TIMESTAMP_OFFSET);
  batch.writeBigInt64BE(BigInt(fields.maxTimestamp), MAX_TIMESTAMP_OFFSET);
  batch.writeBigInt64BE(BigInt(options.producerId ?? NO_PRODUCER_ID), PRODUCER_ID_OFFSET);
  batch.writeInt16BE(options.producerEpoch ?? NO_PRODUCER_EPOCH, PRODUCER_EPOCH_OFFSET);
  batch.writeInt32BE(options.baseSequence ?? NO_SEQUENCE, BASE_SEQUENCE_OFFSET);
  batch.writeInt32BE(fields.recordCount, RECORDS_COUNT_OFFSET);
  batch.writeUInt32BE(computeBatchCrc(batch, 0, size), CRC_OFFSET);
}
