import fs from 'node:fs';
import { encodeBatch } from '@quill/records';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogMaintenance } from './maintenance.js';
import type { PartitionLog } from './partition-log.js';
import { makeTempDir, openLog, silentLogger, testClock } from '../test-support/temp-log.js';
import type { LogConfig } from '../config.js';

const dirs: string[] = [];
const logs: PartitionLog[] = [];
afterEach(async () => {
  await Promise.all(logs.splice(0).map((l) => l.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

async function open(config: Partial<LogConfig>): Promise<PartitionLog> {
  const dir = makeTempDir();
  dirs.push(dir);
  const log = await openLog(dir, config, testClock());
  logs.push(log);
  return log;
}

function appendRecords(log: PartitionLog, count: number, size = 300): void {
  for (let i = 0; i < count; i++) log.append(encodeBatch([{ value: `v${i}`.padEnd(size, '.'), timestamp: 1_700_000_000_000 }]), { assignOffsets: true });
}

describe('a log reconfigured while open', () => {
  it('shrinks to a lowered retention.bytes at once through maintenance, without waiting for a periodic check', async () => {
    const log = await open({ segmentBytes: 1024 });
    const maintenance = new LogMaintenance({ logger: silentLogger });
    maintenance.add(log);
    appendRecords(log, 40);
    const before = log.sizeInBytes;
    await maintenance.reconfigure(log, { segmentBytes: 1024, retentionBytes: 2048 });
    expect(log.config.retentionBytes).toBe(2048);
    expect(log.sizeInBytes).toBeLessThan(before);
    expect(log.sizeInBytes - log.allSegments().at(-1)!.sizeInBytes).toBeLessThanOrEqual(2048);
    expect(log.logStartOffset).toBeGreaterThan(0);
    await maintenance.stop();
  });

  it('rolls by a lowered segment.bytes and refuses by a lowered max.message.bytes from the next append', async () => {
    const log = await open({});
    appendRecords(log, 10);
    expect(log.segmentCount).toBe(1);
    log.reconfigure({ segmentBytes: 1024, maxMessageBytes: 500 });
    appendRecords(log, 10);
    expect(log.segmentCount).toBeGreaterThan(1);
    expect(() => appendRecords(log, 1, 600)).toThrow(/max.message.bytes 500/);
  });

  it('a follower copies a batch larger than a lowered max.message.bytes: the leader accepted it under the old limit', async () => {
    const leader = await open({});
    leader.append(encodeBatch([{ value: 'x'.repeat(600) }]), { assignOffsets: true });
    const follower = await open({ maxMessageBytes: 500 });
    const info = follower.append(leader.read(0).records, { assignOffsets: false });
    expect(info.lastOffset).toBe(0);
  });

  it('keys left out go back to their defaults', async () => {
    const log = await open({ retentionMs: 1_000, cleanupPolicy: 'compact' });
    log.reconfigure({});
    expect(log.config.retentionMs).toBe(7 * 24 * 60 * 60 * 1000);
    expect(log.config.cleanupPolicy).toBe('delete');
  });

  it('from flush=os to group-commit: the durable end never goes back, and the fsyncs catch up', async () => {
    const log = await open({ flushPolicy: 'os' });
    appendRecords(log, 5);
    expect(log.durableEndOffset).toBe(5);
    expect(log.flushedOffset).toBe(0);
    log.reconfigure({ flushPolicy: 'group-commit' });
    expect(log.durableEndOffset).toBe(5);
    await vi.waitFor(() => expect(log.flushedOffset).toBe(5));
    appendRecords(log, 2);
    await log.waitForDurable(7);
    expect(log.flushedOffset).toBe(7);
  });

  it('from group-commit to flush=os: acknowledges up to the log end at once', async () => {
    const log = await open({ flushPolicy: 'group-commit', flushIntervalMs: 60_000 });
    appendRecords(log, 3);
    log.reconfigure({ flushPolicy: 'os' });
    expect(log.durableEndOffset).toBe(3);
    appendRecords(log, 1);
    expect(log.durableEndOffset).toBe(4);
  });
});
