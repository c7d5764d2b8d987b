import fs from 'node:fs';
import path from 'node:path';
import type { ManualClock } from '@quill/clock';
import { decodeBatches, encodeBatch, readBatchHeader } from '@quill/records';
import { afterEach, describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import { OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX } from '../file-names.js';
import { batchOf, makeTempDir, openLog, readAllValues, testClock } from '../test-support/temp-log.js';
import type { PartitionLog } from './partition-log.js';

const dirs: string[] = [];
const logs: PartitionLog[] = [];
function tempDir(): string {
  const dir = makeTempDir();
  dirs.push(dir);
  return dir;
}
async function open(dir: string, config = {}, clock?: ManualClock): Promise<PartitionLog> {
  const log = await openLog(dir, config, clock);
  logs.push(log);
  return log;
}

afterEach(async () => {
  await Promise.all(logs.splice(0).map((l) => l.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

function expectStorageError(fn: () => unknown, code: string): void {
  expect(fn).toThrowError(expect.objectContaining({ name: 'StorageError', code }));
}

describe('PartitionLog', () => {
  it('assigns dense offsets, stamps the leader epoch, and reads back whole batches', async () => {
    const log = await open(tempDir());
    const first = log.append(batchOf(['a', 'b', 'c']), { assignOffsets: true, leaderEpoch: 4 });
    const second = log.append(batchOf(['d']), { assignOffsets: true, leaderEpoch: 4 });
    expect([first.firstOffset, first.lastOffset, second.firstOffset, second.lastOffset]).toEqual([0, 2, 3, 3]);
    expect(log.logEndOffset).toBe(4);
    const { records } = log.read(1);
    const batches = decodeBatches(records);
    expect(batches.map((b) => b.header.partitionLeaderEpoch)).toEqual([4, 4]);
    // A read from the middle of a batch returns the whole batch: consumers skip what they passed.
    expect(batches[0]!.records.map((r) => r.offset)).toEqual([0, 1, 2]);
    expect(readAllValues(log).map((r) => r.value)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('respects maxBytes with whole batches, but always returns at least one', async () => {
    const log = await open(tempDir());
    const batch = batchOf(['x'.repeat(500)]);
    for (let i = 0; i < 10; i++) log.append(Buffer.from(batch), { assignOffsets: true });
    expect(decodeBatches(log.read(0, { maxBytes: batch.length * 3 + 10 }).records)).toHaveLength(3);
    expect(decodeBatches(log.read(0, { maxBytes: 1 }).records)).toHaveLength(1);
  });

  it('never returns batches at or beyond maxOffset (the high watermark)', async () => {
    const log = await open(tempDir());
    log.append(batchOf(['a', 'b']), { assignOffsets: true });
    log.append(batchOf(['c']), { assignOffsets: true });
    expect(decodeBatches(log.read(0, { maxOffset: 2 }).records).map((b) => b.header.baseOffset)).toEqual([0]);
    expect(log.read(2, { maxOffset: 2 }).records.length).toBe(0);
    expect(log.read(3).records.length).toBe(0);
  });

  it('rejects reads outside the log with OFFSET_OUT_OF_RANGE', async () => {
    const log = await open(tempDir());
    log.append(batchOf(['a']), { assignOffsets: true });
    expectStorageError(() => log.read(2), 'OFFSET_OUT_OF_RANGE');
    expectStorageError(() => log.read(-1), 'OFFSET_OUT_OF_RANGE');
  });

  it('rejects bad input with a code and keeps serving', async () => {
    const log = await open(tempDir(), { maxMessageBytes: 2048 });
    const corrupt = batchOf(['hello']);
    corrupt[corrupt.length - 1]! ^= 0xff;
    expectStorageError(() => log.append(corrupt, { assignOffsets: true }), 'CORRUPT_MESSAGE');
    expectStorageError(() => log.append(batchOf(['y'.repeat(5000)]), { assignOffsets: true }), 'MESSAGE_TOO_LARGE');
    expectStorageError(() => log.append(Buffer.from([1, 2, 3]), { assignOffsets: true }), 'CORRUPT_MESSAGE');
    expectStorageError(() => log.append(Buffer.alloc(0), { assignOffsets: true }), 'INVALID_RECORD');
    // A follower append must continue exactly at the log end.
    expectStorageError(() => log.append(encodeBatch([{ value: 'f' }], { baseOffset: 5 }), { assignOffsets: false }), 'INVALID_RECORD');
    log.append(encodeBatch([{ value: 'f' }], { baseOffset: 0 }), { assignOffsets: false });
    expect(readAllValues(log).map((r) => r.value)).toEqual(['f']);
  });

  it('rolls segments by size and by age, and reads across them', async () => {
    const clock = testClock();
    const log = await open(tempDir(), { segmentBytes: 4096, segmentMs: 60_000 }, clock);
    for (let i = 0; i < 20; i++) log.append(batchOf([`v${i}`.padEnd(400, '.')]), { assignOffsets: true });
    const bySize = log.segmentCount;
    expect(bySize).toBeGreaterThan(2);
    log.append(batchOf(['one']), { assignOffsets: true });
    clock.advance(60_000);
    log.append(batchOf(['aged']), { assignOffsets: true });
    expect(log.segmentCount).toBe(bySize + 1);
    expect(readAllValues(log).map((r) => r.offset)).toEqual(Array.from({ length: 22 }, (_, i) => i));
  });

  it('weighs the batches between two offsets across segments and index entries without reading them', async () => {
    const log = await open(tempDir(), { segmentBytes: 4096, indexIntervalBytes: 500 });
    const sizes: number[] = [];
    for (let i = 0; i < 30; i++) {
      const batch = batchOf([`v${i}`.padEnd(100 + 37 * (i % 7), '.'), 'second']);
      sizes.push(batch.length);
      log.append(batch, { assignOffsets: true });
    }
    expect(log.segmentCount).toBeGreaterThan(2);
    // Each batch holds two offsets: 2i and 2i + 1.
    const weight = (from: number, to: number) => sizes.slice(Math.floor(from / 2), Math.floor(to / 2)).reduce((a, b) => a + b, 0);
    for (const [from, to] of [[0, 60], [3, 41], [10, 11], [20, 22], [59, 60], [7, 7], [40, 10]] as const) {
      expect(log.bytesBetween(from, to)).toBe(to <= from ? 0 : weight(from, to));
    }
  });

  it('keeps everything across a clean close and reopen, without recovery', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { segmentBytes: 4096, indexIntervalBytes: 256 });
    for (let i = 0; i < 50; i++) log.append(batchOf([`r${i}`.padEnd(100, '-')]), { assignOffsets: true });
    const before = readAllValues(log);
    await log.close();
    const reopened = await open(dir, { segmentBytes: 4096, indexIntervalBytes: 256 });
    expect(reopened.openReport).toMatchObject({ cleanShutdown: true, recoveredSegments: 0, truncatedBytes: 0 });
    expect(readAllValues(reopened)).toEqual(before);
    expect(reopened.append(batchOf(['next']), { assignOffsets: true }).firstOffset).toBe(50);
  });

  it('rebuilds missing indexes from the log', async () => {
    const dir = tempDir();
    const log = await openLog(dir, { indexIntervalBytes: 128 });
    for (let i = 0; i < 40; i++) log.append(batchOf([`r${i}`.padEnd(100, '-')]), { assignOffsets: true });
    await log.close();
    for (const name of fs.readdirSync(dir)) {
      if (name.endsWith(OFFSET_INDEX_SUFFIX) || name.endsWith(TIME_INDEX_SUFFIX)) fs.rmSync(path.join(dir, name));
    }
    const reopened = await open(dir, { indexIntervalBytes: 128 });
    expect(readAllValues(reopened, 25).map((r) => r.offset)[0]).toBe(25);
    expect(readAllValues(reopened)).toHaveLength(40);
  });

  it('finds offsets by timestamp through the time index', async () => {
    const log = await open(tempDir(), { indexIntervalBytes: 64, segmentBytes: 2048 });
    const base = 1_000_000;
    for (let i = 0; i < 60; i++) log.append(encodeBatch([{ value: `t${i}`, timestamp: base + i * 10 }]), { assignOffsets: true });
    expect(log.offsetForTimestamp(base + 205)).toEqual({ offset: 21, timestamp: base + 210 });
    expect(log.offsetForTimestamp(0)).toEqual({ offset: 0, timestamp: base });
    expect(log.offsetForTimestamp(base + 10_000)).toBeUndefined();
  });

  it('finds the first record with the largest timestamp, in whichever segment holds it', async () => {
    const log = await open(tempDir(), { indexIntervalBytes: 64, segmentBytes: 2048 });
    expect(log.offsetForMaxTimestamp()).toBeUndefined();
    const base = 1_000_000;
    const timestampOf = (i: number) => (i === 23 || i === 41 ? base + 5000 : base + i * 10);
    for (let i = 0; i < 60; i++) log.append(encodeBatch([{ value: `t${i}`, timestamp: timestampOf(i) }]), { assignOffsets: true });
    expect(log.segmentCount).toBeGreaterThan(2);
    expect(log.offsetForMaxTimestamp()).toEqual({ offset: 23, timestamp: base + 5000 });
  });

  it('truncates to an offset (a batch containing it goes entirely) and appends on from there', async () => {
    const log = await open(tempDir(), { segmentBytes: 2048, indexIntervalBytes: 128 });
    for (let i = 0; i < 30; i++) log.append(batchOf([`a${i}`.padEnd(150, '.'), `b${i}`]), { assignOffsets: true });
    log.truncateTo(21);
    expect(log.logEndOffset).toBe(20);
    expect(readAllValues(log).map((r) => r.offset)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(log.append(batchOf(['new']), { assignOffsets: true }).firstOffset).toBe(20);
    log.truncateFullyAndStartAt(500);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([500, 500]);
    expect(log.append(batchOf(['x']), { assignOffsets: true }).firstOffset).toBe(500);
  });

  it('a segment deleted with index entries still unwritten leaves no index behind for its successor', async () => {
    const dir = tempDir();
    const log = await open(dir, { indexIntervalBytes: 64 });
    for (let i = 0; i < 10; i++) log.append(batchOf([`v${i}`.padEnd(100, '.')]), { assignOffsets: true });
    // Restarts the log at the same base offset 0: the new segment gets fresh, empty index files.
    log.truncateFullyAndStartAt(0);
    await log.close();
    for (const suffix of [OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX]) {
      expect(fs.statSync(path.join(dir, `${'0'.padStart(20, '0')}${suffix}`)).size).toBe(0);
    }
  });

  it('acknowledges by flush policy: group commit and every-batch wait for fsync, os does not', async () => {
    for (const flushPolicy of ['group-commit', 'every-batch'] as const) {
      const log = await open(tempDir(), { flushPolicy });
      const appends = Array.from({ length: 20 }, () => log.append(batchOf(['v']), { assignOffsets: true }));
      expect(log.durableEndOffset).toBe(0);
      await log.waitForDurable(appends[19]!.lastOffset + 1);
      expect(log.flushedOffset).toBe(20);
    }
    const osLog = await open(tempDir(), { flushPolicy: 'os' });
    osLog.append(batchOf(['v']), { assignOffsets: true });
    expect(osLog.durableEndOffset).toBe(1);
    expect(osLog.flushedOffset).toBe(0);
    await osLog.flush();
    expect(osLog.flushedOffset).toBe(1);
  });

  it('notifies durable-offset listeners as group commit advances', async () => {
    const log = await open(tempDir());
    const seen: number[] = [];
    log.onDurableAdvance((offset) => seen.push(offset));
    log.append(batchOf(['a']), { assignOffsets: true });
    log.append(batchOf(['b']), { assignOffsets: true });
    await log.waitForDurable(2);
    expect(seen[seen.length - 1]).toBe(2);
  });

  it('reports a damaged batch in a sealed segment with a typed error instead of serving it', async () => {
    const dir = tempDir();
    // Index entries after the damaged batch: opening trusts that part and checks only the tail.
    const config = { segmentBytes: 2048, indexIntervalBytes: 256 };
    const log = await openLog(dir, config);
    for (let i = 0; i < 30; i++) log.append(batchOf([`r${i}`.padEnd(200, '-')]), { assignOffsets: true });
    await log.close();
    const first = path.join(dir, fs.readdirSync(dir).filter((n) => n.endsWith('.log')).sort()[0]!);
    const bytes = fs.readFileSync(first);
    const second = readBatchHeader(bytes, 0).sizeInBytes;
    bytes[second + 100]! ^= 0x55;
    fs.writeFileSync(first, bytes);
    const reopened = await open(dir, config);
    expect(reopened.logEndOffset).toBe(30);
    expect(decodeBatches(reopened.read(0, { maxBytes: 1 }).records)[0]!.records[0]!.offset).toBe(0);
    expect(() => reopened.read(1)).toThrowError(StorageError);
    expect(() => reopened.read(1)).toThrowError(/damaged/);
  });
});
