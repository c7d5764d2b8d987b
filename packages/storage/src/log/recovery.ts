import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { CLEANED_SUFFIX, LOG_SUFFIX, parseSegmentFileName } from '../file-names.js';
import type { LogSync } from '../file-sync.js';
import { LogSegment } from '../segment/segment.js';
import { isCompacted, readRecoveryPoint, replaceRecoveryPoint, takeCleanShutdownMarker } from './recovery-files.js';

export interface OpenReport {
  recoveredSegments: number;
  truncatedBytes: number;
  removedSegments: number;
  cleanShutdown: boolean;
}

export interface RecoveryOptions {
  indexIntervalBytes: number;
  sync: LogSync;
  logger: Logger;
  /** Milliseconds since the epoch, for the segments' roll reference. */
  nowMs: () => number;
}

/** A partition directory as recovery left it: every segment in it synced, oldest first. */
export interface RecoveredLog {
  segments: LogSegment[];
  compacted: boolean;
  report: OpenReport;
}

/**
 * Opens the partition directory `dir` (creating it if needed) and repairs what a crash left: it
 * rescans the segments that may hold unsynced writes, truncates a torn or damaged tail, drops the
 * segments a damaged one made unreachable, and syncs what it kept before anything counts as durable.
 */
export async function recoverLog(dir: string, options: RecoveryOptions): Promise<RecoveredLog> {
  const { logger, nowMs, sync } = options;
  const segmentOptions = { indexIntervalBytes: options.indexIntervalBytes, sync };
  fs.mkdirSync(dir, { recursive: true });
  const names = fs.readdirSync(dir);
  for (const name of names) {
    // Leftovers of an interrupted compaction or checkpoint write: the originals are intact.
    if (name.endsWith(CLEANED_SUFFIX) || name.endsWith('.tmp')) fs.rmSync(path.join(dir, name), { force: true });
  }
  const cleanShutdown = takeCleanShutdownMarker(dir);
  const compacted = isCompacted(dir);
  const recoveryPoint = readRecoveryPoint(dir);
  const bases = names
    .map((name) => parseSegmentFileName(name, LOG_SUFFIX))
    .filter((base): base is number => base !== undefined)
    .sort((a, b) => a - b);

  const report: OpenReport = { recoveredSegments: 0, truncatedBytes: 0, removedSegments: 0, cleanShutdown };
  const segments: LogSegment[] = [];
  // Segments from the one holding the recovery point onwards may hold unsynced writes.
  const firstUnsafe = bases.filter((b) => b <= recoveryPoint).pop() ?? 0;
  for (let i = 0; i < bases.length; i++) {
    const base = bases[i]!;
    const recover = !cleanShutdown && base >= firstUnsafe;
    const { segment, report: segmentReport } = LogSegment.open(dir, base, {
      ...segmentOptions,
      recover,
      rules: { dense: !compacted, offsetLimit: bases[i + 1] },
      nowMs: nowMs(),
    });
    segments.push(segment);
    if (recover) report.recoveredSegments++;
    report.truncatedBytes += segmentReport.truncatedBytes;
    if (segmentReport.damage !== undefined) {
      logger.warn({ dir, segment: base, damage: segmentReport.damage, truncatedBytes: segmentReport.truncatedBytes }, 'truncated damaged log tail');
    }
    const next = bases[i + 1];
    // Offsets must continue where this segment ends; later segments are unreachable otherwise.
    const broken = segmentReport.truncatedBytes > 0 || (!compacted && next !== undefined && segment.endOffset !== next);
    if (broken && next !== undefined) {
      for (const later of bases.slice(i + 1)) {
        LogSegment.removeFiles(dir, later);
        report.removedSegments++;
      }
      logger.error({ dir, segment: base, removed: report.removedSegments }, 'removed segments after a damaged one');
      break;
    }
  }
  if (segments.length === 0) {
    segments.push(LogSegment.create(dir, 0, segmentOptions, nowMs()));
  }
  // After a crash the recovered bytes may exist only in the page cache: sync them before they
  // count as durable, and before the recovery point moves past them.
  if (!cleanShutdown) await Promise.all(segments.map((s) => s.flush()));
  replaceRecoveryPoint(dir, segments[segments.length - 1]!.baseOffset);
  // One directory fsync, before any append, makes the removals above (the clean-shutdown marker
  // above all), a created segment and the recovery point durable.
  await sync.directory(dir);
  return { segments, compacted, report };
}
