import fs from 'node:fs';
import { eventually } from '@quill/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import type { LogConfig } from '../config.js';
import { HeldSync, settle } from '../test-support/held-sync.js';
import { batchOf, makeTempDir, silentLogger } from '../test-support/temp-log.js';
import { PartitionLog } from './partition-log.js';

// What the flushed (acknowledgeable) offset may claim while fsyncs are in flight: tests hold fsyncs
// with HeldSync and change the log in between.

const dirs: string[] = [];
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function openHeld(config: Partial<LogConfig>): Promise<{ log: PartitionLog; sync: HeldSync }> {
  const dir = makeTempDir();
  dirs.push(dir);
  const sync = new HeldSync();
  const log = await PartitionLog.open(dir, { config, logger: silentLogger, sync });
  cleanups.push(async () => {
    sync.releaseAll();
    await log.close();
  });
  return { log, sync };
}

/** `count` one-record batches in a single buffer: one append, one durability target. */
function batches(count: number, prefix: string): Buffer {
  return Buffer.concat(Array.from({ length: count }, (_, i) => batchOf([`${prefix}${i}`.padEnd(100, '.')])));
}

describe('flushed offset vs. truncation (a flush that began before a truncation)', () => {
  for (const flushPolicy of ['group-commit', 'every-batch'] as const) {
    it(`${flushPolicy}: raises the flushed offset at most to the truncation point`, async () => {
      const { log, sync } = await openHeld({ flushPolicy });
      sync.hold('segment-data');
      log.append(batches(10, 'old'), { assignOffsets: true });
      // The fdatasync covering offsets 0..9 has started and waits on the disk.
      await eventually(() => sync.heldCount('segment-data') === 1, { description: 'the first fdatasync' });
      log.truncateTo(5);
      log.append(batches(10, 'new'), { assignOffsets: true });
      expect(log.logEndOffset).toBe(15);
      // Offsets 5..14 are new bytes the held sync never covered.
      sync.releaseOne('segment-data');
      await eventually(() => sync.inFlight === 0, { description: 'the released fdatasync' });
      await settle();
      expect(log.flushedOffset).toBeLessThanOrEqual(5);
      sync.releaseAll();
      await log.waitForDurable(15);
      expect(log.flushedOffset).toBe(15);
    });
  }

  it('every-batch: a queued flush whose batches were truncated away never claims past the log end', async () => {
    const { log, sync } = await openHeld({ flushPolicy: 'every-batch' });
    sync.hold('segment-data');
    log.append(batches(2, 'a'), { assignOffsets: true });
    log.append(batches(8, 'b'), { assignOffsets: true });
    await eventually(() => sync.heldCount('segment-data') === 1, { description: 'the first fdatasync' });
    log.truncateTo(3);
    sync.releaseAll();
    await eventually(() => sync.inFlight === 0 && sync.heldCount('segment-data') === 0, { description: 'the fdatasyncs' });
    await settle();
    expect(log.flushedOffset).toBeLessThanOrEqual(log.logEndOffset);
    // Had the flushed offset passed the end, these unsynced bytes would count as durable at once.
    sync.hold('segment-data');
    log.append(batches(5, 'c'), { assignOffsets: true });
    expect(log.durableEndOffset).toBeLessThanOrEqual(3);
  });
});

describe('flushed offset vs. directory entries (new and removed segment files)', () => {
  it('does not count a new segment durable before its directory entry was fsynced', async () => {
    const { log, sync } = await openHeld({ flushPolicy: 'group-commit', segmentBytes: 1024 });
    sync.hold('directory');
    for (let i = 0; i < 20; i++) log.append(batches(1, `r${i}-`), { assignOffsets: true });
    expect(log.segmentCount).toBeGreaterThan(1);
    const flushing = log.flushDirty();
    await eventually(() => sync.inFlight === 0, { description: 'the data fdatasyncs' });
    await settle();
    const newestBase = newestSegmentBase(log);
    expect(newestBase).toBeGreaterThan(0);
    expect(log.flushedOffset).toBeLessThanOrEqual(newestBase);
    sync.releaseAll();
    await flushing;
    await log.waitForDurable(20);
  });

  it('does not count appends after a truncation that removed a segment durable before the removal is', async () => {
    const { log, sync } = await openHeld({ flushPolicy: 'group-commit', segmentBytes: 1024 });
    for (let i = 0; i < 20; i++) log.append(batches(1, `r${i}-`), { assignOffsets: true });
    await log.flush();
    const removedBase = newestSegmentBase(log);
    sync.hold('directory');
    // A power loss that kept the removed file would make recovery cut the first segment at its base.
    log.truncateTo(removedBase - 1);
    log.append(batches(10, 'new'), { assignOffsets: true });
    expect(log.logEndOffset).toBeGreaterThan(removedBase);
    const flushing = log.flushDirty();
    await eventually(() => sync.inFlight === 0, { description: 'the data fdatasyncs' });
    await settle();
    expect(log.flushedOffset).toBeLessThanOrEqual(removedBase - 1);
    sync.releaseAll();
    await flushing;
    await log.waitForDurable(log.logEndOffset);
  });

  it('truncateFullyAndStartAt: the restarted log counts nothing durable before the directory is fsynced', async () => {
    const { log, sync } = await openHeld({ flushPolicy: 'every-batch' });
    log.append(batches(5, 'old'), { assignOffsets: true });
    await log.flush();
    sync.hold('directory');
    log.truncateFullyAndStartAt(100);
    log.append(batches(3, 'new'), { assignOffsets: true });
    // Either the flush waits on the held directory fsync, or it has (wrongly) finished without it.
    await eventually(() => sync.heldCount('directory') > 0 || log.flushedOffset > 100, { description: 'the flush of the new segment' });
    await eventually(() => sync.inFlight === 0, { description: 'the data fdatasync' });
    await settle();
    expect(log.flushedOffset).toBeLessThanOrEqual(100);
    sync.releaseAll();
    await log.waitForDurable(103);
  });
});

function newestSegmentBase(log: PartitionLog): number {
  const bases = fs
    .readdirSync(log.dir)
    .filter((n) => n.endsWith('.log'))
    .map((n) => Number(n.slice(0, -'.log'.length)));
  return Math.max(...bases);
}
