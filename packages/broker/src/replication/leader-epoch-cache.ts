import fs from 'node:fs';
import type { BatchHeader } from '@quill/records';
import { writeFileDurablySync } from '@quill/storage';

/** Kafka's "no epoch" / "no offset" answers for OffsetForLeaderEpoch. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1;

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export interface EpochEndOffset {
  epoch: number;
  endOffset: number;
}

/**
 * The leader epochs a partition's log has seen and the offset each started at (Kafka's
 * leader-epoch-checkpoint). It answers "where does epoch E end in this log?", which is how a
 * follower finds and truncates a tail that diverged from the leader's.
 */
export class LeaderEpochCache {
  private entries: EpochEntry[];

  constructor(entries: readonly EpochEntry[] = []) {
    this.entries = entries.map((e) => ({ ...e }));
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  get latestEpoch(): number {
    return this.entries.at(-1)?.epoch ?? UNDEFINED_EPOCH;
  }

  /** The start offset of the latest epoch (where the current leader's writes began). */
  get latestStartOffset(): number {
    return this.entries.at(-1)?.startOffset ?? UNDEFINED_EPOCH_OFFSET;
  }

  /**
   * Records that `epoch` starts at `startOffset`. A repeated epoch is a no-op; an older epoch is
   * ignored (batches of a stale leader never reach here once fenced), and so is a batch never
   * stamped with one (-1). Entries that would start at or after the new one are stale and go.
   */
  assign(epoch: number, startOffset: number): boolean {
    if (epoch < 0 || startOffset < 0) return false;
    const latest = this.entries.at(-1);
    if (latest !== undefined && epoch <= latest.epoch) return false;
    this.entries = this.entries.filter((e) => e.startOffset < startOffset);
    this.entries.push({ epoch, startOffset });
    return true;
  }

  /**
   * Where `requestedEpoch` ends in this log: the largest known epoch <= it, and the start offset of
   * the next higher epoch (or the log end if it is the latest). Kafka's LeaderEpochFileCache.endOffsetFor.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: number): EpochEndOffset {
    if (requestedEpoch === UNDEFINED_EPOCH) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (this.latestEpoch === requestedEpoch) return { epoch: requestedEpoch, endOffset: logEndOffset };
    const higher = this.entries.find((e) => e.epoch > requestedEpoch);
    if (higher === undefined) return { epoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    const floor = [...this.entries].reverse().find((e) => e.epoch <= requestedEpoch);
    return { epoch: floor?.epoch ?? requestedEpoch, endOffset: higher.startOffset };
  }

  /** After the log was truncated to `endOffset`: epochs starting at or after it are gone. */
  truncateFromEnd(endOffset: number): void {
    this.entries = this.entries.filter((e) => e.startOffset < endOffset);
  }

  /** After the log start moved to `startOffset`: earlier epochs go, the one covering it now starts there. */
  truncateFromStart(startOffset: number): void {
    const covering = this.entries.filter((e) => e.startOffset <= startOffset).pop();
    this.entries = this.entries.filter((e) => e.startOffset > startOffset);
    if (covering !== undefined) this.entries.unshift({ epoch: covering.epoch, startOffset });
  }
}

/**
 * The cache a replica starts with: its checkpoint, cut at the log end (a crash may have cut the
 * log), then completed from the epoch stamped in every batch, as Kafka's recovery does. A missing,
 * damaged or stale checkpoint so costs nothing; an empty cache would make a follower fetch with no
 * last epoch, and the leader would never tell it that its tail diverged. `forEachBatchHeader` is
 * the log's, shared with other state rebuilt from the headers (one pass over the log).
 */
export function recoverLeaderEpochCache(
  checkpoint: readonly EpochEntry[],
  logEndOffset: number,
  forEachBatchHeader: (visit: (header: BatchHeader) => void) => void,
): { cache: LeaderEpochCache; changed: boolean } {
  const cache = new LeaderEpochCache(checkpoint);
  cache.truncateFromEnd(logEndOffset);
  let changed = cache.all.length !== checkpoint.length;
  forEachBatchHeader((header) => {
    changed = cache.assign(header.partitionLeaderEpoch, header.baseOffset) || changed;
  });
  return { cache, changed };
}

const CHECKPOINT_VERSION = 0;

/** Reads a leader-epoch-checkpoint (Kafka's text layout: version, count, "epoch offset" lines). */
export function readEpochCheckpoint(filePath: string): EpochEntry[] {
  let text: string;
  try {
    text = fs.readFileSync(filePath, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const lines = text.split('\n').filter((l) => l.length > 0);
  const count = Number(lines[1]);
  // A damaged checkpoint reads as empty: recoverLeaderEpochCache rebuilds it from the log.
  if (Number(lines[0]) !== CHECKPOINT_VERSION || !Number.isInteger(count) || lines.length !== count + 2) return [];
  const entries = lines.slice(2).map((line) => {
    const [epoch, startOffset, ...rest] = line.split(' ').map(Number);
    return { epoch: epoch ?? NaN, startOffset: startOffset ?? NaN, extra: rest.length };
  });
  const valid = entries.every(
    (e, i) =>
      e.extra === 0 &&
      Number.isSafeInteger(e.epoch) &&
      Number.isSafeInteger(e.startOffset) &&
      e.epoch >= 0 &&
      e.startOffset >= 0 &&
      (i === 0 || (e.epoch > entries[i - 1]!.epoch && e.startOffset > entries[i - 1]!.startOffset)),
  );
  return valid ? entries.map(({ epoch, startOffset }) => ({ epoch, startOffset })) : [];
}

/** Writes the checkpoint atomically and durably (temp file, fsync, rename, directory fsync). */
export function writeEpochCheckpoint(filePath: string, entries: readonly EpochEntry[]): void {
  const text = [CHECKPOINT_VERSION, entries.length, ...entries.map((e) => `${e.epoch} ${e.startOffset}`)].join('\n') + '\n';
  writeFileDurablySync(filePath, text);
}
