import fs from 'node:fs';
import path from 'node:path';
import { RecordsError, decodeBatch, encodeBatch, readBatchHeader } from '@quill/records';
import { SeededRandom, seedFromEnv } from '@quill/random';
import { afterAll, describe, expect, it } from 'vitest';
import { StorageError } from '../errors.js';
import { CLEAN_SHUTDOWN_FILE, LOG_SUFFIX, OFFSET_INDEX_SUFFIX, TIME_INDEX_SUFFIX, parseSegmentFileName } from '../file-names.js';
import { makeTempDir, openLog } from '../test-support/temp-log.js';
import type { PartitionLog } from './partition-log.js';

// Damage injection: flip bytes in and truncate segment and index files at random points, then
// reopen and read everything back. Reopening and reading may only fail with typed errors, may
// never return a batch whose CRC fails, and may never lose a batch before the damaged point.

const CASES = 300;
const config = { segmentBytes: 8 * 1024, indexIntervalBytes: 512 };
const root = makeTempDir('quill-damage-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

interface Pristine {
  dir: string;
  /** Each batch's bytes, by base offset, as appended. */
  batches: Map<number, Buffer>;
  offsets: number[];
}

async function buildPristine(random: SeededRandom): Promise<Pristine> {
  const dir = path.join(root, 'pristine');
  fs.rmSync(dir, { recursive: true, force: true });
  const log = await openLog(dir, config);
  const batches = new Map<number, Buffer>();
  for (let i = 0; i < 120; i++) {
    const records = Array.from({ length: random.int(1, 6) }, (_, j) => ({
      key: `k${i}-${j}`,
      value: random.bytes(random.int(10, 300)),
      timestamp: 1_700_000_000_000 + i * 1000 + j,
    }));
    const batch = encodeBatch(records, { compression: random.pick(['none', 'none', 'lz4', 'gzip'] as const) });
    const info = log.append(batch, { assignOffsets: true, leaderEpoch: 1 });
    batches.set(info.firstOffset, Buffer.from(batch));
  }
  await log.close();
  return { dir, batches, offsets: [...batches.keys()] };
}

/** Position of every batch in a segment file, by walking the pristine bytes. */
function batchStarts(bytes: Buffer): Array<{ position: number; baseOffset: number }> {
  const starts: Array<{ position: number; baseOffset: number }> = [];
  for (let position = 0; position < bytes.length; ) {
    const header = readBatchHeader(bytes, position);
    starts.push({ position, baseOffset: header.baseOffset });
    position += header.sizeInBytes;
  }
  return starts;
}

interface Damage {
  description: string;
  /** Batches with base offsets below this must survive. Infinity when only an index was hit. */
  safeBelow: number;
}

function damage(random: SeededRandom, dir: string): Damage {
  const files = fs.readdirSync(dir).filter((n) => /\.(log|index|timeindex)$/.test(n)).sort();
  const name = random.pick(files);
  const file = path.join(dir, name);
  const bytes = fs.readFileSync(file);
  const truncate = random.chance(0.4);
  const position = bytes.length === 0 ? 0 : random.int(0, bytes.length - 1);
  let damaged: Buffer;
  if (truncate) {
    damaged = bytes.subarray(0, position);
  } else {
    damaged = Buffer.from(bytes);
    for (let flips = random.int(1, 3); flips > 0; flips--) {
      const at = flips === 1 ? position : Math.min(bytes.length - 1, position + random.int(0, 64));
      damaged[at] = (damaged[at]! + random.int(1, 255)) & 0xff;
    }
  }
  fs.writeFileSync(file, damaged);
  const description = `${truncate ? 'truncated' : 'flipped bytes in'} ${name} at ${position} of ${bytes.length}`;
  if (!name.endsWith(LOG_SUFFIX)) return { description, safeBelow: Infinity };
  if (bytes.length === 0) return { description, safeBelow: Infinity };
  const hit = batchStarts(bytes).filter((b) => b.position <= position).pop()!;
  return { description, safeBelow: hit.baseOffset };
}

function isTyped(error: unknown): boolean {
  return error instanceof StorageError || error instanceof RecordsError;
}

/** Reads from the start until the end or the first typed error; returns the batches served. */
function readEverything(log: PartitionLog): Buffer[] {
  const served: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    let records: Buffer;
    try {
      records = log.read(offset, { maxBytes: 4096 }).records;
    } catch (error) {
      if (isTyped(error)) return served;
      throw error;
    }
    if (records.length === 0) return served;
    for (let position = 0; position < records.length; ) {
      const header = readBatchHeader(records, position);
      served.push(records.subarray(position, position + header.sizeInBytes));
      position += header.sizeInBytes;
      offset = header.lastOffset + 1;
    }
  }
  return served;
}

/** The batch bytes with the leader epoch masked: it sits outside the CRC by design (the leader stamps it). */
function withoutLeaderEpoch(batch: Buffer): Buffer {
  const copy = Buffer.from(batch);
  copy.writeInt32BE(0, 12);
  return copy;
}

describe('partition log under file damage', () => {
  it(`survives ${CASES} seeded cases of flipped bytes and truncation in segment and index files`, async () => {
    const seed = seedFromEnv(20261122);
    const random = new SeededRandom(seed);
    const pristine = await buildPristine(random);
    const segmentCount = fs.readdirSync(pristine.dir).filter((n) => parseSegmentFileName(n, LOG_SUFFIX) !== undefined).length;
    expect(segmentCount).toBeGreaterThan(5);
    expect(fs.readdirSync(pristine.dir).some((n) => n.endsWith(OFFSET_INDEX_SUFFIX) && fs.statSync(path.join(pristine.dir, n)).size > 0)).toBe(true);
    expect(fs.readdirSync(pristine.dir).some((n) => n.endsWith(TIME_INDEX_SUFFIX) && fs.statSync(path.join(pristine.dir, n)).size > 0)).toBe(true);

    for (let round = 0; round < CASES; round++) {
      const dir = path.join(root, `case-${round}`);
      fs.cpSync(pristine.dir, dir, { recursive: true });
      // Half the cases look like a crash (no clean-shutdown marker), half like bit rot after a clean stop.
      const crashed = random.chance(0.5);
      if (crashed) fs.rmSync(path.join(dir, CLEAN_SHUTDOWN_FILE), { force: true });
      const hit = damage(random, dir);
      const context = `QUILL_SEED=${seed} case ${round}: ${hit.description}${crashed ? ' (after a crash)' : ''}`;

      let log: PartitionLog;
      try {
        log = await openLog(dir, config);
      } catch (error) {
        if (!isTyped(error)) throw new Error(`${context}: open threw ${String(error)}`, { cause: error });
        fs.rmSync(dir, { recursive: true, force: true });
        continue;
      }
      let served: Buffer[];
      try {
        served = readEverything(log);
      } catch (error) {
        throw new Error(`${context}: read threw ${String(error)}`, { cause: error });
      }
      for (const batch of served) {
        const header = readBatchHeader(batch, 0);
        expect(() => decodeBatch(batch), context).not.toThrow();
        const original = pristine.batches.get(header.baseOffset);
        expect(original, `${context}: served a batch at unknown offset ${header.baseOffset}`).toBeDefined();
        expect(withoutLeaderEpoch(batch).equals(withoutLeaderEpoch(original!)), `${context}: batch ${header.baseOffset} differs`).toBe(true);
      }
      const servedOffsets = served.map((b) => readBatchHeader(b, 0).baseOffset);
      const mustSurvive = pristine.offsets.filter((o) => o < hit.safeBelow);
      expect(servedOffsets.slice(0, mustSurvive.length), `${context}: lost a batch before the damage`).toEqual(mustSurvive);
      // The log stays writable after recovery.
      const appended = log.append(encodeBatch([{ value: 'after' }]), { assignOffsets: true });
      expect(appended.firstOffset, context).toBe(log.logEndOffset - 1);
      await log.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
