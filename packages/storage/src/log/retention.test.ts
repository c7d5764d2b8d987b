import fs from 'node:fs';
import type { ManualClock } from '@quill/clock';
import { encodeBatch } from '@quill/records';
import { afterEach, describe, expect, it } from 'vitest';
import { LogMaintenance } from './maintenance.js';
import type { PartitionLog } from './partition-log.js';
import { segmentsToDelete } from './retention.js';
import { makeTempDir, openLog, readAllValues, silentLogger, testClock } from '../test-support/temp-log.js';

const dirs: string[] = [];
const logs: PartitionLog[] = [];
afterEach(async () => {
  await Promise.all(logs.splice(0).map((l) => l.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function open(config: Parameters<typeof openLog>[1], clock: ManualClock): Promise<PartitionLog> {
  const dir = makeTempDir();
  dirs.push(dir);
  const log = await openLog(dir, config, clock);
  logs.push(log);
  return log;
}

describe('segmentsToDelete', () => {
  const segments = [
    { baseOffset: 0, endOffset: 10, sizeInBytes: 100, largestTimestamp: 1_000 },
    { baseOffset: 10, endOffset: 20, sizeInBytes: 100, largestTimestamp: 2_000 },
    { baseOffset: 20, endOffset: 30, sizeInBytes: 100, largestTimestamp: 3_000 },
    { baseOffset: 30, endOffset: 35, sizeInBytes: 50, largestTimestamp: 500 },
  ];

  it('deletes expired segments from the oldest, never the active one', () => {
    expect(segmentsToDelete(segments, { retentionMs: 1_500, retentionBytes: -1 }, 4_000, 35)).toBe(2);
    expect(segmentsToDelete(segments, { retentionMs: 0, retentionBytes: -1 }, 10_000, 35)).toBe(3);
    expect(segmentsToDelete(segments, { retentionMs: -1, retentionBytes: -1 }, 10_000, 35)).toBe(0);
  });

  it('deletes by size while the rest still meets retention.bytes', () => {
    expect(segmentsToDelete(segments, { retentionMs: -1, retentionBytes: 150 }, 0, 35)).toBe(2);
    expect(segmentsToDelete(segments, { retentionMs: -1, retentionBytes: 10_000 }, 0, 35)).toBe(0);
  });

  it('never deletes data at or above the upper bound (the high watermark)', () => {
    expect(segmentsToDelete(segments, { retentionMs: 0, retentionBytes: -1 }, 10_000, 15)).toBe(1);
  });
});

describe('retention on a log', () => {
  it('deletes old segments by time, advancing the log start offset', async () => {
    const clock = testClock();
    const log = await open({ segmentBytes: 2048, retentionMs: 60_000 }, clock);
    for (let i = 0; i < 30; i++) {
      log.append(encodeBatch([{ value: `v${i}`.padEnd(300, '.'), timestamp: clock.now() }]), { assignOffsets: true });
      clock.advance(1_000);
    }
    clock.advance(45_000);
    const deleted = await log.applyRetention();
    expect(deleted).toBeGreaterThan(0);
    const first = readAllValues(log)[0]!;
    expect(first.offset).toBe(log.logStartOffset);
    // Everything younger than retention.ms is still there.
    expect(log.logStartOffset).toBeLessThanOrEqual(15);
    expect(() => log.read(0)).toThrowError(expect.objectContaining({ code: 'OFFSET_OUT_OF_RANGE' }));
  });

  it('deletes by bytes, and rolls then deletes an expired active segment', async () => {
    const clock = testClock();
    const log = await open({ segmentBytes: 2048, retentionBytes: 4096, retentionMs: 60_000 }, clock);
    for (let i = 0; i < 40; i++) log.append(encodeBatch([{ value: 'x'.repeat(300), timestamp: clock.now() }]), { assignOffsets: true });
    await log.applyRetention();
    expect(log.sizeInBytes).toBeLessThanOrEqual(4096 + 2048);
    clock.advance(120_000);
    await log.applyRetention();
    expect(log.logStartOffset).toBe(40);
    expect(log.logEndOffset).toBe(40);
    expect(log.append(encodeBatch([{ value: 'fresh' }]), { assignOffsets: true }).firstOffset).toBe(40);
  });

  it('leaves compact-only logs alone, and runs from the background maintenance loop', async () => {
    const clock = testClock();
    const compacted = await open({ segmentBytes: 2048, retentionMs: 1, cleanupPolicy: 'compact' }, clock);
    const deleting = await open({ segmentBytes: 2048, retentionMs: 1 }, clock);
    for (let i = 0; i < 20; i++) {
      for (const log of [compacted, deleting]) {
        log.append(encodeBatch([{ key: `k${i % 3}`, value: 'y'.repeat(300), timestamp: clock.now() }]), { assignOffsets: true });
      }
    }
    clock.advance(10_000);
    const maintenance = new LogMaintenance({ logger: silentLogger });
    maintenance.add(compacted);
    maintenance.add(deleting);
    await maintenance.runRetention();
    await maintenance.runCompaction();
    expect(compacted.logStartOffset).toBe(0);
    expect(deleting.logStartOffset).toBeGreaterThan(0);
    expect(readAllValues(compacted).length).toBeLessThan(20);
  });
});
