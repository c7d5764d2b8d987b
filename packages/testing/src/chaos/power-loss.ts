import fs from 'node:fs';
import path from 'node:path';
import { FSYNC_LEDGER_FILE } from '@quill/storage';

/** Segment files: their bytes are what a power loss can take back. */
const SEGMENT_SUFFIX = '.log';

export interface RollBackSummary {
  /** Files cut back to their last fsynced length. */
  filesTruncated: number;
  bytesDropped: number;
}

/**
 * What a power loss leaves of the data: each file back to the length its last fdatasync made
 * durable, as recorded by nodes running with QUILL_TEST_FSYNC_LEDGER=<ledgerDir>. Segment files
 * never fsynced lose everything. Call it only after every node is SIGKILLed. Other files
 * (checkpoints, the controllers' LevelDB, which syncs its own writes) keep their page-cache
 * state: the simulation covers partition data, which is where acknowledged writes live.
 */
export function rollBackUnsyncedWrites(ledgerDir: string, dataDirs: readonly string[]): RollBackSummary {
  const durable = readLedger(path.join(ledgerDir, FSYNC_LEDGER_FILE));
  const summary: RollBackSummary = { filesTruncated: 0, bytesDropped: 0 };
  for (const file of dataDirs.flatMap((dir) => listFiles(dir))) {
    const length = durable.get(file) ?? (file.endsWith(SEGMENT_SUFFIX) ? 0 : undefined);
    if (length === undefined) continue;
    const size = fs.statSync(file).size;
    if (size <= length) continue;
    fs.truncateSync(file, length);
    summary.filesTruncated++;
    summary.bytesDropped += size - length;
  }
  return summary;
}

/** The last durable length recorded per file (later lines win: a file can be truncated and regrow). */
function readLedger(file: string): Map<string, number> {
  const durable = new Map<string, number>();
  if (!fs.existsSync(file)) return durable;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (line.length === 0) continue;
    try {
      const entry = JSON.parse(line) as { file: string; length: number };
      durable.set(entry.file, entry.length);
    } catch {
      // A line torn by the SIGKILL: the sync it records may not have finished, so ignore it.
    }
  }
  return durable;
}

function listFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true, recursive: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
}
