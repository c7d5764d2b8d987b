import {
  BATCH_HEADER_SIZE,
  RecordsError,
  isBatchCrcValid,
  readBatchHeader,
  type BatchHeader,
} from '@quill/records';
import { FileWindow } from './file-window.js';

export interface ScannedBatch {
  header: BatchHeader;
  /** Position of the batch in the segment file. */
  position: number;
}

export interface ScanRules {
  /** Verify each batch's CRC (recovery does; index rebuilds of trusted segments need not). */
  verifyCrc: boolean;
  /**
   * Offsets follow each other without gaps, so a batch must start exactly where the previous ended.
   * True unless the log has ever been compacted; it catches a damaged base offset (outside the CRC).
   */
  dense: boolean;
  /** Exclusive upper bound for offsets in this segment (the next segment's base), if any. */
  offsetLimit: number | undefined;
}

export interface ScanResult {
  batches: ScannedBatch[];
  /** Where the valid data ends: the file size when nothing is damaged. */
  validBytes: number;
  /** Why the scan stopped before the end of the file, if it did. */
  damage: string | undefined;
}

const SCAN_WINDOW_BYTES = 1024 * 1024;

/**
 * Walks the batches of a segment file from `startPosition`, checking framing, CRC and offset order,
 * and stops at the first batch that breaks a rule: everything before it is trusted, nothing after.
 * `expectedNextOffset` is the offset the first scanned batch should start at.
 */
export function scanSegment(
  fd: number,
  fileSize: number,
  startPosition: number,
  expectedNextOffset: number,
  rules: ScanRules,
): ScanResult {
  const window = new FileWindow(fd, fileSize, SCAN_WINDOW_BYTES);
  const batches: ScannedBatch[] = [];
  let position = startPosition;
  let expected = expectedNextOffset;
  while (position < fileSize) {
    const checked = checkBatchAt(window, position, fileSize, rules, expected);
    if (typeof checked === 'string') return { batches, validBytes: position, damage: checked };
    batches.push({ header: checked, position });
    position += checked.sizeInBytes;
    expected = checked.lastOffset + 1;
  }
  return { batches, validBytes: position, damage: undefined };
}

function checkBatchAt(
  window: FileWindow,
  position: number,
  fileSize: number,
  rules: ScanRules,
  expected: number,
): BatchHeader | string {
  const head = window.view(position, BATCH_HEADER_SIZE);
  if (head.length < BATCH_HEADER_SIZE) return `torn batch header at byte ${position}`;
  const claimed = head.readInt32BE(8) + 12;
  if (claimed < BATCH_HEADER_SIZE || claimed > fileSize - position) {
    return `batch at byte ${position} claims ${claimed} bytes, ${fileSize - position} remain`;
  }
  const bytes = window.view(position, claimed);
  let header: BatchHeader;
  try {
    header = readBatchHeader(bytes, 0);
  } catch (error) {
    if (error instanceof RecordsError) return `batch at byte ${position}: ${error.message}`;
    throw error;
  }
  if (rules.verifyCrc && !isBatchCrcValid(bytes, header)) return `batch at byte ${position} fails its CRC`;
  if (rules.dense ? header.baseOffset !== expected : header.baseOffset < expected) {
    return `batch at byte ${position} has base offset ${header.baseOffset}, expected ${rules.dense ? '' : '>= '}${expected}`;
  }
  if (rules.offsetLimit !== undefined && header.lastOffset >= rules.offsetLimit) {
    return `batch at byte ${position} ends at offset ${header.lastOffset}, beyond the next segment's base ${rules.offsetLimit}`;
  }
  return header;
}
