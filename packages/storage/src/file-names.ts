import path from 'node:path';

// Kafka's naming: the segment's base offset, zero-padded to 20 digits, so names sort by offset.
export const LOG_SUFFIX = '.log';
export const OFFSET_INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** A compaction output not yet swapped in; leftovers are deleted on open. */
export const CLEANED_SUFFIX = '.cleaned';
export const CLEAN_SHUTDOWN_FILE = '.clean-shutdown';
export const RECOVERY_POINT_FILE = 'recovery-point';
/** The log start offset when it lies inside the first segment (records deleted below it). */
export const LOG_START_OFFSET_FILE = 'log-start-offset';

export function segmentFileName(baseOffset: number, suffix: string): string {
  return `${String(baseOffset).padStart(20, '0')}${suffix}`;
}

export function segmentPath(dir: string, baseOffset: number, suffix: string): string {
  return path.join(dir, segmentFileName(baseOffset, suffix));
}

/** The base offset a segment file name encodes, or undefined if it is not one of ours. */
export function parseSegmentFileName(name: string, suffix: string): number | undefined {
  if (!name.endsWith(suffix)) return undefined;
  const digits = name.slice(0, -suffix.length);
  if (!/^\d{20}$/.test(digits)) return undefined;
  const value = Number(digits);
  return Number.isSafeInteger(value) ? value : undefined;
}
