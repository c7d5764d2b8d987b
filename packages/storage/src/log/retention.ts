import type { LogConfig } from '../config.js';

export interface SegmentSummary {
  baseOffset: number;
  endOffset: number;
  sizeInBytes: number;
  largestTimestamp: number;
}

/**
 * How many segments, from the oldest, retention removes. Pure: the caller owns the files. The last
 * (active) segment is never counted, and no segment with offsets at or above `upperBoundOffset`
 * (the high watermark: data consumers may not have seen) is removed. Segments wholly below
 * `logStartOffset` (records deleted) go whatever the retention settings.
 */
export function segmentsToDelete(
  segments: readonly SegmentSummary[],
  config: Pick<LogConfig, 'retentionMs' | 'retentionBytes'>,
  nowMs: number,
  upperBoundOffset: number,
  logStartOffset = 0,
): number {
  let totalBytes = segments.reduce((sum, s) => sum + s.sizeInBytes, 0);
  let count = 0;
  for (const segment of segments.slice(0, -1)) {
    if (segment.endOffset > upperBoundOffset) break;
    // An empty segment (largestTimestamp -1) holds nothing to keep.
    const expired = config.retentionMs >= 0 && segment.largestTimestamp < nowMs - config.retentionMs;
    const oversize = config.retentionBytes >= 0 && totalBytes - segment.sizeInBytes >= config.retentionBytes;
    const deleted = segment.endOffset <= logStartOffset;
    if (!expired && !oversize && !deleted) break;
    totalBytes -= segment.sizeInBytes;
    count++;
  }
  return count;
}
