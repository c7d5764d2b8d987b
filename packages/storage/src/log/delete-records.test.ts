import fs from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { batchOf, makeTempDir, openLog, readAllValues } from '../test-support/temp-log.js';
import type { PartitionLog } from './partition-log.js';

const dirs: string[] = [];
const logs: PartitionLog[] = [];
function tempDir(): string {
  const dir = makeTempDir();
  dirs.push(dir);
  return dir;
}
async function open(dir: string, config = {}): Promise<PartitionLog> {
  const log = await openLog(dir, config);
  logs.push(log);
  return log;
}

afterEach(async () => {
  await Promise.all(logs.splice(0).map((l) => l.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

/** Ten single-record batches of ~400 bytes, two per segment. */
async function tenRecords(dir: string, config = {}): Promise<PartitionLog> {
  const log = await open(dir, { segmentBytes: 1024, ...config });
  for (let i = 0; i < 10; i++) log.append(batchOf([`v${i}`.padEnd(400, '.')]), { assignOffsets: true });
  return log;
}

describe('PartitionLog.deleteRecordsBefore', () => {
  it('moves the log start offset inside a segment: reads below it fail, reads at it start there', async () => {
    const log = await tenRecords(tempDir());
    expect(log.deleteRecordsBefore(5)).toBe(5);
    expect(log.logStartOffset).toBe(5);
    expect(() => log.read(4)).toThrowError(expect.objectContaining({ code: 'OFFSET_OUT_OF_RANGE' }));
    expect(readAllValues(log).map((r) => r.offset)).toEqual([5, 6, 7, 8, 9]);
    expect(log.offsetForTimestamp(0)?.offset).toBe(5);
  });

  it('never moves the start back, and refuses offsets past the upper bound or on compacted logs', async () => {
    const log = await tenRecords(tempDir());
    log.deleteRecordsBefore(6);
    expect(log.deleteRecordsBefore(3)).toBe(6);
    expect(() => log.deleteRecordsBefore(8, 7)).toThrowError(expect.objectContaining({ code: 'OFFSET_OUT_OF_RANGE' }));
    expect(() => log.deleteRecordsBefore(11)).toThrowError(expect.objectContaining({ code: 'OFFSET_OUT_OF_RANGE' }));
    const compacted = await tenRecords(tempDir(), { cleanupPolicy: 'compact' });
    expect(() => compacted.deleteRecordsBefore(2)).toThrowError(expect.objectContaining({ code: 'POLICY_VIOLATION' }));
  });

  it('lets retention delete the segments wholly below the new start, whatever retention.ms says', async () => {
    const log = await tenRecords(tempDir());
    const before = log.segmentCount;
    expect(before).toBeGreaterThan(3);
    log.deleteRecordsBefore(5);
    await log.applyRetention(10);
    expect(log.allSegments()[0]!.baseOffset).toBeLessThanOrEqual(5);
    expect(log.allSegments()[0]!.endOffset).toBeGreaterThan(5);
    expect(log.segmentCount).toBeLessThan(before);
    expect(log.logStartOffset).toBe(5);
  });

  it('keeps the log start offset across a restart, after a crash as after a clean close', async () => {
    const dir = tempDir();
    const log = await tenRecords(dir);
    log.deleteRecordsBefore(7);
    // No close: the new start must already be durable when the call returns.
    const reopened = await open(dir, { segmentBytes: 1024 });
    expect(reopened.logStartOffset).toBe(7);
    expect(readAllValues(reopened).map((r) => r.value?.slice(0, 2))).toEqual(['v7', 'v8', 'v9']);
    await reopened.close();
    const again = await open(dir, { segmentBytes: 1024 });
    expect(again.logStartOffset).toBe(7);
  });

  it('advanceLogStartOffset (a follower following its leader) caps at the log end', async () => {
    const log = await tenRecords(tempDir());
    expect(log.advanceLogStartOffset(25)).toBe(10);
    expect(log.logStartOffset).toBe(10);
    log.append(batchOf(['next']), { assignOffsets: true });
    expect(readAllValues(log).map((r) => r.value)).toEqual(['next']);
  });
});
