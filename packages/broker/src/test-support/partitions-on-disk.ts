import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PartitionLog, type FlushPolicy, type LogSync } from '@quill/storage';
import { pino } from 'pino';
import { afterAll, afterEach } from 'vitest';
import { Partition, type PartitionSettings } from '../replication/partition.js';

const SILENT = pino({ level: 'silent' });
/** replica.lag.time.max.ms of the test partitions unless a test sets its own. */
const TEST_REPLICA_LAG_TIME_MAX_MS = 10_000;

export interface PartitionsOnDisk {
  /**
   * A Partition on a real log in `dir` (below this file's temp directory), closed after the test.
   * `flushPolicy` defaults to `os`; `sync` replaces the disk's fsyncs (a FailingSync).
   */
  open(
    dir: string,
    settings: Pick<PartitionSettings, 'brokerId' | 'now'> & Partial<PartitionSettings>,
    log?: { flushPolicy?: FlushPolicy; sync?: LogSync },
  ): Promise<Partition>;
  /** Closes a partition before the test ends (to reopen its log). */
  close(partition: Partition): Promise<void>;
}

/**
 * Partitions on real logs for one test file: a temp directory, every partition opened through it
 * closed and the files removed after each test, the directory removed after the file. Call it at
 * the top of a test file (it registers the hooks).
 */
export function partitionsOnDisk(prefix: string): PartitionsOnDisk {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), `quill-${prefix}-`));
  const open: Partition[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
    fs.rmSync(root, { recursive: true, force: true });
    fs.mkdirSync(root);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  return {
    async open(dir, settings, logOptions = {}) {
      const log = await PartitionLog.open(path.join(root, dir), {
        logger: SILENT,
        config: { flushPolicy: logOptions.flushPolicy ?? 'os' },
        ...(logOptions.sync === undefined ? {} : { sync: logOptions.sync }),
      });
      const partition = new Partition('t-0', log, { replicaLagTimeMaxMs: TEST_REPLICA_LAG_TIME_MAX_MS, onChange: () => undefined, ...settings });
      open.push(partition);
      return partition;
    },
    async close(partition) {
      open.splice(open.indexOf(partition), 1);
      await partition.close();
    },
  };
}
