import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ManualClock, type Clock } from '@quill/clock';
import { decodeBatches, encodeBatch, type RecordInput } from '@quill/records';
import { pino } from 'pino';
import type { LogConfig } from '../config.js';
import { PartitionLog } from '../log/partition-log.js';

// Helpers for this package's own tests (not exported from the package).

export const silentLogger = pino({ level: 'silent' });

export function makeTempDir(prefix = 'quill-storage-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A clock for tests of segment age and retention, starting at a realistic epoch time. */
export function testClock(): ManualClock {
  return new ManualClock(1_700_000_000_000);
}

export function openLog(dir: string, config: Partial<LogConfig> = {}, clock?: Clock): Promise<PartitionLog> {
  return PartitionLog.open(dir, { config, logger: silentLogger, ...(clock ? { clock } : {}) });
}

export function batchOf(values: readonly string[], extra: Partial<RecordInput> = {}): Buffer {
  return encodeBatch(values.map((value) => ({ value, ...extra })));
}

/** Every record value from `from` to the log end, reading in chunks of `maxBytes`. */
export function readAllValues(log: PartitionLog, from = log.logStartOffset, maxBytes = 64 * 1024): Array<{ offset: number; value: string | null }> {
  const out: Array<{ offset: number; value: string | null }> = [];
  let offset = from;
  while (offset < log.logEndOffset) {
    const { records } = log.read(offset, { maxBytes });
    if (records.length === 0) break;
    for (const batch of decodeBatches(records)) {
      for (const r of batch.records) if (r.offset >= offset) out.push({ offset: r.offset, value: r.value?.toString() ?? null });
      offset = batch.header.lastOffset + 1;
    }
  }
  return out;
}
