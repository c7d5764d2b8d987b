import fs from 'node:fs';
import type { ManualClock } from '@quill/clock';
import { decodeBatches, encodeBatch, type BatchHeader } from '@quill/records';
import { SeededRandom, seedFromEnv } from '@quill/random';
import { afterEach, describe, expect, it } from 'vitest';
import type { PartitionLog } from '../log/partition-log.js';
import { makeTempDir, openLog, testClock } from '../test-support/temp-log.js';

const dirs: string[] = [];
const logs: PartitionLog[] = [];
afterEach(async () => {
  await Promise.all(logs.splice(0).map((l) => l.close()));
  for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

const DELETE_RETENTION_MS = 60_000;
const SEGMENT_MS = 1_000;
const config = {
  cleanupPolicy: 'compact' as const,
  segmentBytes: 16 * 1024,
  segmentMs: SEGMENT_MS,
  indexIntervalBytes: 1024,
  deleteRetentionMs: DELETE_RETENTION_MS,
};

async function open(dir: string, clock: ManualClock): Promise<PartitionLog> {
  const log = await openLog(dir, config, clock);
  logs.push(log);
  return log;
}

interface Entry {
  offset: number;
  key: string;
  value: string | null;
}

function readAll(log: PartitionLog): Entry[] {
  const out: Entry[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const { records } = log.read(offset, { maxBytes: 8192 });
    if (records.length === 0) break;
    for (const batch of decodeBatches(records)) {
      for (const r of batch.records) out.push({ offset: r.offset, key: r.key!.toString(), value: r.value?.toString() ?? null });
      offset = batch.header.lastOffset + 1;
    }
  }
  return out;
}

/** The model: the latest record per key, in offset order; tombstones too unless they have expired. */
function latestPerKey(written: readonly Entry[], withTombstones: boolean): Entry[] {
  const latest = new Map<string, Entry>();
  for (const entry of written) latest.set(entry.key, entry);
  return [...latest.values()].filter((e) => withTombstones || e.value !== null).sort((a, b) => a.offset - b.offset);
}

/** Appends a random keyed workload; returns what was written, in offset order. */
function writeWorkload(log: PartitionLog, random: SeededRandom, batches: number): Entry[] {
  const written: Entry[] = [];
  const keySpace = random.int(5, 60);
  for (let i = 0; i < batches; i++) {
    const records = Array.from({ length: random.int(1, 8) }, () => {
      const key = `key-${random.int(0, keySpace)}`;
      const value = random.chance(0.15) ? null : `v${i}-${random.bytes(random.int(1, 40)).toString('hex')}`;
      return { key, value };
    });
    const info = log.append(encodeBatch(records, { compression: random.pick(['none', 'lz4', 'zstd'] as const) }), { assignOffsets: true });
    records.forEach((r, j) => written.push({ offset: info.firstOffset + j, key: r.key, value: r.value }));
  }
  return written;
}

describe('log compaction', () => {
  it('keeps exactly the latest value per key in offset order, then drops tombstones after delete.retention.ms (model check)', async () => {
    const seed = seedFromEnv(7);
    for (let round = 0; round < 25; round++) {
      const random = new SeededRandom(seed + round);
      const context = `QUILL_SEED=${seed + round}`;
      const clock = testClock();
      const dir = makeTempDir();
      dirs.push(dir);
      const log = await open(dir, clock);
      const written = writeWorkload(log, random, random.int(50, 400));
      // Seal everything: the next append rolls the active segment by age, and its unique key keeps the model exact.
      clock.advance(SEGMENT_MS);
      const sentinel = log.append(encodeBatch([{ key: 'sentinel', value: 'end' }]), { assignOffsets: true });
      written.push({ offset: sentinel.firstOffset, key: 'sentinel', value: 'end' });

      const first = await log.compact();
      expect(readAll(log), context).toEqual(latestPerKey(written, true));
      if (written.length > 100) expect(first.bytesAfter, context).toBeLessThan(first.bytesBefore);

      // A second pass before the horizon changes nothing; after it, tombstones vanish.
      clock.advance(DELETE_RETENTION_MS - 1);
      await log.compact();
      expect(readAll(log), context).toEqual(latestPerKey(written, true));
      clock.advance(2);
      await log.compact();
      expect(readAll(log), context).toEqual(latestPerKey(written, false));
      expect(log.logEndOffset).toBe(sentinel.lastOffset + 1);
    }
  });

  it('persists the compacted log: a reopen reads the same and appends continue at the same end', async () => {
    const clock = testClock();
    const dir = makeTempDir();
    dirs.push(dir);
    const random = new SeededRandom(seedFromEnv(11));
    const log = await openLog(dir, config, clock);
    const written = writeWorkload(log, random, 300);
    clock.advance(SEGMENT_MS);
    log.append(encodeBatch([{ key: 'sentinel', value: 'end' }]), { assignOffsets: true });
    written.push({ offset: log.logEndOffset - 1, key: 'sentinel', value: 'end' });
    await log.compact();
    const end = log.logEndOffset;
    await log.close();
    for (const crashed of [false, true]) {
      if (crashed) fs.rmSync(`${dir}/.clean-shutdown`);
      const reopened = await openLog(dir, config, clock);
      expect(reopened.isCompacted).toBe(true);
      expect(readAll(reopened)).toEqual(latestPerKey(written, true));
      expect(reopened.logEndOffset).toBe(end);
      await reopened.close();
    }
    const again = await open(dir, clock);
    expect(again.append(encodeBatch([{ key: 'x', value: 'y' }]), { assignOffsets: true }).firstOffset).toBe(end);
  });

  it('runs in the background: appends and reads go on while a pass is under way', async () => {
    const clock = testClock();
    const dir = makeTempDir();
    dirs.push(dir);
    const log = await open(dir, clock);
    const random = new SeededRandom(seedFromEnv(3));
    for (let i = 0; i < 400; i++) {
      const records = Array.from({ length: 20 }, (_, j) => ({ key: `k${(i * 20 + j) % 500}`, value: random.bytes(200) }));
      log.append(encodeBatch(records), { assignOffsets: true });
    }
    clock.advance(SEGMENT_MS);
    let finished = false;
    const pass = log.compact().then((result) => {
      finished = true;
      return result;
    });
    let appendsDuringPass = 0;
    while (!finished) {
      log.append(encodeBatch([{ key: 'live', value: `n${appendsDuringPass}` }]), { assignOffsets: true });
      expect(log.read(log.logEndOffset - 1).records.length).toBeGreaterThan(0);
      appendsDuringPass++;
      await new Promise((resolve) => setImmediate(resolve));
    }
    const result = await pass;
    expect(result.segmentsCleaned).toBeGreaterThan(3);
    expect(appendsDuringPass).toBeGreaterThan(3);
    const live = readAll(log).filter((e) => e.key === 'live');
    expect(live.length).toBeGreaterThan(0);
  });

  it("keeps each producer's last batch, emptied if need be, so its sequence survives a rebuild from the log", async () => {
    const clock = testClock();
    const dir = makeTempDir();
    dirs.push(dir);
    const log = await open(dir, clock);
    const idempotent = (producerId: number, baseSequence: number, keys: string[]): Buffer =>
      encodeBatch(
        keys.map((key) => ({ key, value: `${producerId}:${baseSequence}:${key}` })),
        { producerId, producerEpoch: 3, baseSequence },
      );
    log.append(idempotent(7, 0, ['a', 'b']), { assignOffsets: true });
    // Producer 7's last batch: every record in it is superseded below.
    log.append(idempotent(7, 2, ['a', 'b', 'c']), { assignOffsets: true });
    // Producer 8's first batch goes entirely: its last batch is in the active segment.
    log.append(idempotent(8, 0, ['c']), { assignOffsets: true });
    log.append(encodeBatch(['a', 'b', 'c'].map((key) => ({ key, value: `plain:${key}` }))), { assignOffsets: true });
    clock.advance(SEGMENT_MS);
    log.append(idempotent(8, 1, ['d']), { assignOffsets: true });
    const before = producerSequences(log);
    expect(before).toEqual(new Map([[7, { epoch: 3, lastSequence: 4 }], [8, { epoch: 3, lastSequence: 1 }]]));

    const result = await log.compact();
    expect(result.recordsRemoved).toBe(6);
    expect(readAll(log).map((e) => e.value)).toEqual(['plain:a', 'plain:b', 'plain:c', '8:1:d']);
    expect(producerSequences(log)).toEqual(before);
    const kept = headers(log).filter((h) => h.producerId === 7);
    expect(kept.map((h) => [h.baseOffset, h.lastOffset, h.recordCount])).toEqual([[2, 4, 0]]);
    expect(headers(log).filter((h) => h.producerId === 8).map((h) => h.baseSequence)).toEqual([1]);

    // The broker rebuilds producer state from the log on restart: the emptied batch must survive it.
    await log.close();
    logs.splice(logs.indexOf(log), 1);
    const reopened = await open(dir, clock);
    expect(producerSequences(reopened)).toEqual(before);
    expect(reopened.logEndOffset).toBe(10);
  });
});

function headers(log: PartitionLog): BatchHeader[] {
  const out: BatchHeader[] = [];
  log.forEachBatchHeader((header) => out.push(header));
  return out;
}

/** What a broker rebuilds from the log for idempotence: each producer's epoch and last sequence. */
function producerSequences(log: PartitionLog): Map<number, { epoch: number; lastSequence: number }> {
  const out = new Map<number, { epoch: number; lastSequence: number }>();
  for (const header of headers(log)) {
    if (header.producerId < 0) continue;
    out.set(header.producerId, { epoch: header.producerEpoch, lastSequence: header.baseSequence + header.lastOffsetDelta });
  }
  return out;
}
