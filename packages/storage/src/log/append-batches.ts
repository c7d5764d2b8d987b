import { RecordsError, setBaseOffset, setPartitionLeaderEpoch, splitBatches, type BatchHeader } from '@quill/records';
import { StorageError } from '../errors.js';
import type { AppendedBatch } from '../segment/segment.js';

// The checks and offset stamping an append's batches go through before they reach a segment.

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

/** Splits `buffer` into whole batches with valid CRCs, none larger than `maxMessageBytes`. */
export function splitForAppend(buffer: Buffer, maxMessageBytes: number): AppendedBatch[] {
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
    if (header.sizeInBytes > maxMessageBytes) {
      throw new StorageError('MESSAGE_TOO_LARGE', `batch of ${header.sizeInBytes} bytes exceeds max.message.bytes ${maxMessageBytes}`);
    }
  }
  return batches;
}

/**
 * Places `batches` at `logEndOffset`: with assignOffsets their base offsets (and leader epoch) are
 * stamped in place in `buffer`; otherwise they must follow the log end, densely unless the log is
 * compacted (then only in order).
 */
export function placeBatches(
  buffer: Buffer,
  batches: readonly AppendedBatch[],
  logEndOffset: number,
  options: AppendOptions,
  compacted: boolean,
): void {
  let expected = logEndOffset;
  for (const { header, position } of batches) {
    if (options.assignOffsets) {
      setBaseOffset(buffer, expected, position);
      header.baseOffset = expected;
      header.lastOffset = expected + header.lastOffsetDelta;
      if (options.leaderEpoch !== undefined) {
        setPartitionLeaderEpoch(buffer, options.leaderEpoch, position);
        header.partitionLeaderEpoch = options.leaderEpoch;
      }
    } else if (compacted ? header.baseOffset < expected : header.baseOffset !== expected) {
      throw new StorageError('INVALID_RECORD', `batch base offset ${header.baseOffset} does not follow the log end ${expected}`);
    }
    expected = header.lastOffset + 1;
  }
}

/** What an append of `batches` (placed, non-empty) wrote. */
export function describeAppend(batches: readonly AppendedBatch[]): AppendInfo {
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
