import {
  ATTRIBUTES_OFFSET,
  BATCH_HEADER_SIZE,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK,
  COMPRESSION_TYPES,
  CRC_OFFSET,
  LOG_OVERHEAD,
  MAX_TIMESTAMP_OFFSET,
  TIMESTAMP_TYPE_MASK,
  computeBatchCrc,
  readBatchHeader,
  type CompressionType,
} from './batch-header.js';
import { compress, decompress } from './compression.js';

/** How a leader rewrites the batches a producer sent before it appends them (a topic's configs). */
export interface BatchRewrite {
  /** compression.type as a codec: batches in another codec are recompressed with this one. */
  compression?: CompressionType;
  /** message.timestamp.type=LogAppendTime: the broker's time, stamped as each batch's maxTimestamp. */
  logAppendTimeMs?: number;
}

/**
 * Rewrites concatenated batches as `rewrite` says; returns `buffer` itself when nothing changes.
 * Record bytes keep their offset and timestamp deltas: only the payload's codec, the attributes,
 * maxTimestamp, the batch length and the CRC change. Control batches keep their codec (they are tiny
 * and readers expect them uncompressed).
 */
export function rewriteBatches(buffer: Buffer, rewrite: BatchRewrite): Buffer {
  if (rewrite.compression === undefined && rewrite.logAppendTimeMs === undefined) return buffer;
  const out: Buffer[] = [];
  let changed = false;
  let position = 0;
  while (position < buffer.length) {
    const header = readBatchHeader(buffer, position);
    const batch = buffer.subarray(position, position + header.sizeInBytes);
    position += header.sizeInBytes;
    let rewritten = batch;
    if (rewrite.compression !== undefined && !header.isControl && header.compression !== rewrite.compression) {
      rewritten = recompressed(rewritten, header.compression, rewrite.compression);
    }
    if (rewrite.logAppendTimeMs !== undefined) rewritten = stampedWithLogAppendTime(rewritten, rewrite.logAppendTimeMs);
    if (rewritten !== batch) changed = true;
    out.push(rewritten);
  }
  return changed ? Buffer.concat(out) : buffer;
}

function recompressed(batch: Buffer, from: CompressionType, to: CompressionType): Buffer {
  const body = decompress(from, batch.subarray(BATCH_HEADER_SIZE));
  const payload = compress(to, body);
  const result = Buffer.allocUnsafe(BATCH_HEADER_SIZE + payload.length);
  batch.copy(result, 0, 0, BATCH_HEADER_SIZE);
  result.set(payload, BATCH_HEADER_SIZE);
  result.writeInt32BE(result.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  const attributes = (result.readInt16BE(ATTRIBUTES_OFFSET) & ~COMPRESSION_CODEC_MASK) | COMPRESSION_TYPES.indexOf(to);
  result.writeInt16BE(attributes, ATTRIBUTES_OFFSET);
  result.writeUInt32BE(computeBatchCrc(result, 0, result.length), CRC_OFFSET);
  return result;
}

/** As Kafka: the timestamp-type bit on, maxTimestamp the append time; record deltas stay as sent. */
function stampedWithLogAppendTime(batch: Buffer, nowMs: number): Buffer {
  const result = Buffer.from(batch);
  result.writeInt16BE(result.readInt16BE(ATTRIBUTES_OFFSET) | TIMESTAMP_TYPE_MASK, ATTRIBUTES_OFFSET);
  result.writeBigInt64BE(BigInt(nowMs), MAX_TIMESTAMP_OFFSET);
  result.writeUInt32BE(computeBatchCrc(result, 0, result.length), CRC_OFFSET);
  return result;
}
