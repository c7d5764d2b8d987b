import { crc32c } from './crc32c.js';
import { RecordsError } from './errors.js';

// RecordBatch v2 (magic 2) byte layout, as Kafka defines it. The CRC covers attributes..end, so the
// broker can stamp baseOffset and partitionLeaderEpoch without recomputing it.
export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
/** Bytes before the first record. */
export const BATCH_HEADER_SIZE = 61;
/** baseOffset + batchLength: the part of the header that batchLength does not count. */
export const LOG_OVERHEAD = 12;
export const CURRENT_MAGIC = 2;

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_MASK = 0x08;
export const TRANSACTIONAL_MASK = 0x10;
export const CONTROL_MASK = 0x20;
/** KIP-534: baseTimestamp holds the delete horizon of a compacted batch's tombstones. */
export const DELETE_HORIZON_MASK = 0x40;

export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;

export type CompressionType = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';
export const COMPRESSION_TYPES: readonly CompressionType[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];
export type TimestampType = 'create' | 'log-append';

/** The fixed-size header of a batch: everything needed to index, route and validate it without decoding records. */
export interface BatchHeader {
  baseOffset: number;
  /** Size of the whole batch in bytes (batchLength + 12). */
  sizeInBytes: number;
  partitionLeaderEpoch: number;
  magic: number;
  crc: number;
  attributes: number;
  compression: CompressionType;
  timestampType: TimestampType;
  isTransactional: boolean;
  isControl: boolean;
  hasDeleteHorizon: boolean;
  lastOffsetDelta: number;
  /** baseOffset + lastOffsetDelta. */
  lastOffset: number;
  baseTimestamp: number;
  maxTimestamp: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  recordCount: number;
}

function readInt64(buf: Buffer, offset: number, what: string): number {
  const value = buf.readBigInt64BE(offset);
  const asNumber = Number(value);
  if (!Number.isSafeInteger(asNumber)) {
    throw new RecordsError('CORRUPT_MESSAGE', `${what} ${value} is outside the safe integer range`);
  }
  return asNumber;
}

/**
 * Reads and sanity-checks the header of the batch starting at `offset`. Checks sizes and magic,
 * not the CRC (see verifyBatchCrc): cheap enough for every index and routing decision.
 */
export function readBatchHeader(buf: Buffer, offset = 0): BatchHeader {
  const available = buf.length - offset;
  if (available < BATCH_HEADER_SIZE) {
    throw new RecordsError('CORRUPT_MESSAGE', `batch header needs ${BATCH_HEADER_SIZE} bytes, ${available} available`);
  }
  const batchLength = buf.readInt32BE(offset + BATCH_LENGTH_OFFSET);
  const sizeInBytes = batchLength + LOG_OVERHEAD;
  if (sizeInBytes < BATCH_HEADER_SIZE) {
    throw new RecordsError('CORRUPT_MESSAGE', `batch length ${batchLength} is smaller than a batch header`);
  }
  if (sizeInBytes > available) {
    throw new RecordsError('CORRUPT_MESSAGE', `batch of ${sizeInBytes} bytes is truncated to ${available}`);
  }
  const magic = buf.readInt8(offset + MAGIC_OFFSET);
  if (magic !== CURRENT_MAGIC) {
    throw new RecordsError('UNSUPPORTED_VERSION', `record batch magic ${magic} is not supported (only ${CURRENT_MAGIC})`);
  }
  const attributes = buf.readInt16BE(offset + ATTRIBUTES_OFFSET);
  const codec = attributes & COMPRESSION_CODEC_MASK;
  const compression = COMPRESSION_TYPES[codec];
  if (compression === undefined) {
    throw new RecordsError('UNSUPPORTED_COMPRESSION_TYPE', `unknown compression codec ${codec}`);
  }
  const baseOffset = readInt64(buf, offset + BASE_OFFSET_OFFSET, 'base offset');
  const lastOffsetDelta = buf.readInt32BE(offset + LAST_OFFSET_DELTA_OFFSET);
  const recordCount = buf.readInt32BE(offset + RECORDS_COUNT_OFFSET);
  if (lastOffsetDelta < 0 || recordCount < 0) {
    throw new RecordsError('CORRUPT_MESSAGE', `negative last offset delta ${lastOffsetDelta} or record count ${recordCount}`);
  }
  return {
    baseOffset,
    sizeInBytes,
    partitionLeaderEpoch: buf.readInt32BE(offset + PARTITION_LEADER_EPOCH_OFFSET),
    magic,
    crc: buf.readUInt32BE(offset + CRC_OFFSET),
    attributes,
    compression,
    timestampType: attributes & TIMESTAMP_TYPE_MASK ? 'log-append' : 'create',
    isTransactional: (attributes & TRANSACTIONAL_MASK) !== 0,
    isControl: (attributes & CONTROL_MASK) !== 0,
    hasDeleteHorizon: (attributes & DELETE_HORIZON_MASK) !== 0,
    lastOffsetDelta,
    lastOffset: baseOffset + lastOffsetDelta,
    baseTimestamp: readInt64(buf, offset + BASE_TIMESTAMP_OFFSET, 'base timestamp'),
    maxTimestamp: readInt64(buf, offset + MAX_TIMESTAMP_OFFSET, 'max timestamp'),
    producerId: readInt64(buf, offset + PRODUCER_ID_OFFSET, 'producer id'),
    producerEpoch: buf.readInt16BE(offset + PRODUCER_EPOCH_OFFSET),
    baseSequence: buf.readInt32BE(offset + BASE_SEQUENCE_OFFSET),
    recordCount,
  };
}

/** CRC-32C over attributes..end of the batch at `offset` whose total size is `sizeInBytes`. */
export function computeBatchCrc(buf: Buffer, offset: number, sizeInBytes: number): number {
  return crc32c(buf.subarray(offset + ATTRIBUTES_OFFSET, offset + sizeInBytes));
}

export function isBatchCrcValid(buf: Buffer, header: BatchHeader, offset = 0): boolean {
  return computeBatchCrc(buf, offset, header.sizeInBytes) === header.crc;
}

/** Throws CORRUPT_MESSAGE when the stored CRC does not match the batch's bytes. */
export function verifyBatchCrc(buf: Buffer, header: BatchHeader, offset = 0): void {
  const actual = computeBatchCrc(buf, offset, header.sizeInBytes);
  if (actual !== header.crc) {
    throw new RecordsError(
      'CORRUPT_MESSAGE',
      `batch at offset ${header.baseOffset} fails its CRC (stored ${header.crc.toString(16)}, computed ${actual.toString(16)})`,
    );
  }
}

/** Stamps the base offset in place (outside the CRC, so the batch stays valid). */
export function setBaseOffset(buf: Buffer, baseOffset: number, offset = 0): void {
  buf.writeBigInt64BE(BigInt(baseOffset), offset + BASE_OFFSET_OFFSET);
}

/** Stamps the partition leader epoch in place (outside the CRC). */
export function setPartitionLeaderEpoch(buf: Buffer, epoch: number, offset = 0): void {
  buf.writeInt32BE(epoch, offset + PARTITION_LEADER_EPOCH_OFFSET);
}

/**
 * Splits a buffer of concatenated batches into their headers, validating each (sizes, magic, and the
 * CRC when `verifyCrc`). A trailing partial batch is an error: callers that expect one (a torn log
 * tail) use readBatchHeader directly.
 */
export function splitBatches(buf: Buffer, options: { verifyCrc: boolean }): Array<{ header: BatchHeader; position: number }> {
  const batches: Array<{ header: BatchHeader; position: number }> = [];
  let position = 0;
  while (position < buf.length) {
    const header = readBatchHeader(buf, position);
    if (options.verifyCrc) verifyBatchCrc(buf, header, position);
    batches.push({ header, position });
    position += header.sizeInBytes;
  }
  return batches;
}
