import fs from 'node:fs';
import path from 'node:path';
import { CLEAN_SHUTDOWN_FILE, LOG_START_OFFSET_FILE, RECOVERY_POINT_FILE } from '../file-names.js';
import { writeFileDurablySync } from '../file-sync.js';
import { readOffsetCheckpoint, replaceOffsetCheckpoint, writeOffsetCheckpoint } from './checkpoint.js';

// The files in a partition directory that tell its next open how much to recover.

/** Present once the cleaner has rewritten a segment: offsets may have gaps from then on. */
export const COMPACTED_MARKER_FILE = '.compacted';

/** Segments below the one holding the recovery point were synced; 0 (recover everything) when unknown. */
export function readRecoveryPoint(dir: string): number {
  return readOffsetCheckpoint(path.join(dir, RECOVERY_POINT_FILE)) ?? 0;
}

/** Moves the recovery point, durably. */
export function writeRecoveryPoint(dir: string, offset: number): void {
  writeOffsetCheckpoint(path.join(dir, RECOVERY_POINT_FILE), offset);
}

/** Moves the recovery point; durable once the caller fsyncs `dir`. */
export function replaceRecoveryPoint(dir: string, offset: number): void {
  replaceOffsetCheckpoint(path.join(dir, RECOVERY_POINT_FILE), offset);
}

/** Moves the recovery point back to `offset` if it is past it (the log was truncated below it). */
export function lowerRecoveryPoint(dir: string, offset: number): void {
  if (readRecoveryPoint(dir) > offset) writeRecoveryPoint(dir, offset);
}

/** True if the last close was clean; removes the marker, so a crash from now on is not taken for one. */
export function takeCleanShutdownMarker(dir: string): boolean {
  const marker = path.join(dir, CLEAN_SHUTDOWN_FILE);
  const clean = fs.existsSync(marker);
  fs.rmSync(marker, { force: true });
  return clean;
}

/** Marks a clean close; durable once the caller fsyncs `dir`, which must follow syncing everything else. */
export function writeCleanShutdownMarker(dir: string): void {
  fs.writeFileSync(path.join(dir, CLEAN_SHUTDOWN_FILE), '');
}

export function isCompacted(dir: string): boolean {
  return fs.existsSync(path.join(dir, COMPACTED_MARKER_FILE));
}

/** Must be durable before the first compacted segment is swapped in (see PartitionLog.markCompacted). */
export function writeCompactedMarker(dir: string): void {
  writeFileDurablySync(path.join(dir, COMPACTED_MARKER_FILE), '');
}

/** The checkpointed log start offset; 0 (the first segment's base rules) when never written. */
export function readLogStartOffset(dir: string): number {
  return readOffsetCheckpoint(path.join(dir, LOG_START_OFFSET_FILE)) ?? 0;
}

/** Moves the checkpointed log start offset, durably: deleted records must stay deleted after a crash. */
export function writeLogStartOffset(dir: string, offset: number): void {
  writeOffsetCheckpoint(path.join(dir, LOG_START_OFFSET_FILE), offset);
}
