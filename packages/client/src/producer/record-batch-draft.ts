import type { CompressionType, RecordBatchBuilder, RecordInput } from '@quill/records';
import type { Acks } from './types.js';

/** What every record of one batch shares: a Produce request carries one acks and timeout. */
export interface BatchSettings {
  acks: Acks;
  /** The broker's replication wait (acks -1), in ms. */
  timeoutMs: number;
  compression: CompressionType;
}

/**
 * The records of one partition gathered into one RecordBatch: encoded as the accumulator adds
 * them, then taken by the sender, built once (so a retry sends the very same bytes) and kept
 * until the broker acknowledges it or it fails for good.
 */
export interface BatchDraft {
  /** Creation order across the producer: within a partition it is also send and sequence order. */
  readonly id: number;
  /** `topic\0partition`. */
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly settings: BatchSettings;
  readonly createdAtMs: number;
  /** The records so far, already encoded. */
  readonly builder: RecordBatchBuilder;
  /** Estimated encoded size before compression, the batch header included (what `batchSize` bounds). */
  estimatedBytes: number;
}

/** The accumulator's key of a partition. */
export function partitionKey(topic: string, partition: number): string {
  return `${topic}\u0000${partition}`;
}

/** Bytes of the fixed RecordBatch v2 header. */
export const BATCH_HEADER_BYTES = 61;
/**
 * Upper bound of what a record adds besides its key, value and headers: its length, attributes,
 * timestamp delta, offset delta, key and value lengths and header count as varints. Kafka checks
 * batch.size against such an estimate too, before compression.
 */
export const RECORD_OVERHEAD_BYTES = 21;
/** What a header adds besides its key and value: the two length varints. */
const HEADER_OVERHEAD_BYTES = 10;

function byteLength(value: Buffer | string | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

/** The estimated encoded size of one record (uncompressed). */
export function estimateRecordBytes(record: RecordInput): number {
  let bytes = RECORD_OVERHEAD_BYTES + byteLength(record.key) + byteLength(record.value);
  if (record.headers !== undefined) {
    for (const header of record.headers) bytes += HEADER_OVERHEAD_BYTES + byteLength(header.key) + byteLength(header.value);
  }
  return bytes;
}

/** Same acks, timeout and compression: records may share a batch, batches a request (acks, timeout). */
export function sameSettings(a: BatchSettings, b: BatchSettings): boolean {
  return a.acks === b.acks && a.timeoutMs === b.timeoutMs && a.compression === b.compression;
}
