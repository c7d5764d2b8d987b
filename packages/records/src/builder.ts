import { BATCH_HEADER_SIZE, type CompressionType } from './batch-header.js';
import { compress } from './compression.js';
import { prepareRecord, writeBatchHeader, writeRecord, type BatchOptions } from './encode.js';
import type { RecordInput } from './record.js';
import { varintSize } from './varint.js';

/** Record bytes a builder starts with unless told; it doubles as records come, up to its capacity hint. */
const INITIAL_BODY_BYTES = 16 * 1024;

/** What is known only when the batch is closed: compression and the producer's id and sequence. */
export type BuildOptions = Pick<BatchOptions, 'compression' | 'producerId' | 'producerEpoch' | 'baseSequence' | 'isTransactional'>;

/**
 * Kafka's MemoryRecordsBuilder: each record is encoded into the batch buffer when it is appended,
 * so a producer keeps bytes, not an object per record, while a batch fills (records that live
 * until the batch is sent outlive young-generation GCs). Offsets are 0..n-1 and timestamps are
 * relative to the first record's, as in Kafka. `build` writes the header (and compresses) once.
 */
export class RecordBatchBuilder {
  private buffer: Buffer;
  /** End of the records written so far (they start after the header's room). */
  private position = BATCH_HEADER_SIZE;
  private count = 0;
  private baseTimestamp = 0;
  private maxTimestamp = Number.NEGATIVE_INFINITY;
  private built = false;

  /**
   * `capacityHint`: record bytes the batch is expected to reach at most (the producer's batch
   * size); growth stops doubling there. `initialBytes`: what to start with, e.g. the size of the
   * partition's last batch, so batches that fill up are not copied while they grow.
   */
  constructor(
    private readonly capacityHint: number,
    initialBytes = INITIAL_BODY_BYTES,
  ) {
    this.buffer = Buffer.allocUnsafe(BATCH_HEADER_SIZE + Math.max(1, Math.min(capacityHint, initialBytes)));
  }

  get recordCount(): number {
    return this.count;
  }

  /** Encoded bytes so far, the header included, before compression. */
  get sizeInBytes(): number {
    return this.position;
  }

  /** Encodes a record as the batch's next; one without a timestamp gets `nowMs`. */
  append(input: RecordInput, nowMs: number): void {
    if (this.built) throw new Error('invariant: a built batch takes no more records');
    const timestamp = input.timestamp ?? nowMs;
    const baseTimestamp = this.count === 0 ? timestamp : this.baseTimestamp;
    // Prepared before any state changes: a record that cannot be encoded leaves the batch as it was.
    const record = prepareRecord(input, timestamp, baseTimestamp, this.count);
    this.reserve(varintSize(record.bodySize) + record.bodySize);
    this.position = writeRecord(this.buffer, this.position, record);
    this.baseTimestamp = baseTimestamp;
    if (timestamp > this.maxTimestamp) this.maxTimestamp = timestamp;
    this.count++;
  }

  /** The finished RecordBatch v2 (compressed as asked, with its CRC); the builder is done after this. */
  build(options: BuildOptions = {}): Buffer {
    if (this.count === 0) throw new RangeError('a record batch needs at least one record');
    this.built = true;
    const compression: CompressionType = options.compression ?? 'none';
    let batch: Buffer;
    if (compression === 'none') {
      batch = this.buffer.subarray(0, this.position);
    } else {
      const compressed = compress(compression, this.buffer.subarray(BATCH_HEADER_SIZE, this.position));
      batch = Buffer.allocUnsafe(BATCH_HEADER_SIZE + compressed.length);
      batch.set(compressed, BATCH_HEADER_SIZE);
    }
    writeBatchHeader(batch, options, {
      compression,
      lastOffsetDelta: this.count - 1,
      baseTimestamp: this.baseTimestamp,
      maxTimestamp: this.maxTimestamp,
      recordCount: this.count,
    });
    return batch;
  }

  /** Room for `bytes` more: doubling, but not past the hint unless a record needs it. */
  private reserve(bytes: number): void {
    const needed = this.position + bytes;
    if (needed <= this.buffer.length) return;
    const hinted = BATCH_HEADER_SIZE + this.capacityHint;
    const doubled = this.buffer.length * 2;
    const capacity = Math.max(needed, this.buffer.length < hinted ? Math.min(doubled, hinted) : doubled);
    const grown = Buffer.allocUnsafe(capacity);
    this.buffer.copy(grown, 0, 0, this.position);
    this.buffer = grown;
  }
}
