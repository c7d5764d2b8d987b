import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { BATCH_HEADER_SIZE, decodeBatch, readBatchHeader } from '@quill/records';
import { SeededRandom } from '@quill/random';
import { PartitionLog, type FlushPolicy, type PartitionLogOptions } from '@quill/storage';
import { afterAll, afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { encodeGeneratedBatch, generateRecords, generatedRecordCount } from './support/crash-batches.js';

// A writer child process appends deterministic batches with durable acks; we SIGKILL it, tear the
// tail of a segment the way a power loss could (usually the newest; cut somewhere after the last
// durable ack, maybe followed by garbage), reopen the log here and check what recovery kept.
// Rerun a failure with QUILL_SEED=<seed> (the kill point still depends on timing).

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const WRITER = fileURLToPath(new URL('./support/log-writer.ts', import.meta.url));
const DEFAULT_SEED = 0x5eed_c0de;
const SEED = parseSeed(process.env['QUILL_SEED']);
const ROUNDS = 3;
const MIN_ACKS = 50;
const MAX_ACKS = 400;
/** Appends the writer keeps waiting for durability at once; a small window makes the last ack land near the tail. */
const IN_FLIGHT_CHOICES = [4, 16, 64] as const;
const WRITER_TIMEOUT_MS = 20_000;
/** The writer's log settings (test/support/log-writer.ts); the log is reopened here with the same. */
const LOG_CONFIG = { segmentBytes: 256 * 1024, indexIntervalBytes: 4096 };

function parseSeed(text: string | undefined): number {
  if (text === undefined || text === '') return DEFAULT_SEED;
  const value = Number(text);
  if (!Number.isInteger(value)) throw new RangeError(`QUILL_SEED must be an integer, got ${text}`);
  return value >>> 0;
}

const children = new Set<ChildProcess>();
const openLogs = new Set<PartitionLog>();
const tempDirs: string[] = [];

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
  }
  children.clear();
  for (const log of openLogs) await log.close().catch(() => undefined);
  openLogs.clear();
});

afterAll(() => {
  for (const dir of tempDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

interface Ack {
  nextOffset: number;
  batchIndex: number;
  segmentFile: string;
  segmentSize: number;
}

interface TornTail {
  file: string;
  /** Segment files after the torn one. */
  later: number;
  sizeAtKill: number;
  /** Size of `file` right after the last durably acknowledged append (0 if that went to an older segment). */
  durableSize: number;
  cut: number;
  /** What follows the cut: nothing, random bytes, zeros (a file extended but never written), or a stale whole batch. */
  garbage: 'none' | 'random' | 'zeros' | 'stale-batch';
  garbageBytes: number;
}

/** What the log should hold: `batches` generated batches, batch i written with leader epoch epochs[i]. */
interface Expected {
  batches: number;
  epochs: number[];
  baseOffsets: number[];
}

function baseOffsetOf(expected: Expected, index: number): number {
  while (expected.baseOffsets.length <= index) {
    const i = expected.baseOffsets.length;
    expected.baseOffsets.push(i === 0 ? 0 : expected.baseOffsets[i - 1]! + generatedRecordCount(SEED, i - 1));
  }
  return expected.baseOffsets[index]!;
}

/** Runs the writer from `startBatch` until it has acknowledged `killAfter` batches, then SIGKILLs it. */
async function runWriterAndKill(
  dir: string,
  policy: FlushPolicy,
  startBatch: number,
  epoch: number,
  inFlight: number,
  killAfter: number,
): Promise<Ack[]> {
  const child = spawn(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', WRITER, dir, policy, String(SEED), String(startBatch), String(epoch), String(inFlight)],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.add(child);
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    if (stderr.length < 20_000) stderr += chunk;
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  const acks: Ack[] = [];
  const badLines: string[] = [];
  let killed = false;
  const kill = (): void => {
    if (killed) return;
    killed = true;
    child.kill('SIGKILL');
  };
  readline.createInterface({ input: child.stdout! }).on('line', (line) => {
    const parts = line.split(' ');
    if (parts[0] === 'ready' && parts.length === 2) return;
    if (parts[0] !== 'durable' || parts.length !== 5) {
      badLines.push(line);
      return;
    }
    acks.push({ nextOffset: Number(parts[1]), batchIndex: Number(parts[2]), segmentFile: parts[3]!, segmentSize: Number(parts[4]) });
    if (acks.length >= killAfter) kill();
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, WRITER_TIMEOUT_MS);
  const { code, signal } = await closed;
  clearTimeout(timer);
  const context = `writer (flush=${policy}, start batch ${startBatch}) stderr:\n${stderr}`;
  if (timedOut) throw new Error(`writer made ${acks.length} of ${killAfter} durable acks in ${WRITER_TIMEOUT_MS} ms; ${context}`);
  if (!killed || signal !== 'SIGKILL') throw new Error(`writer exited by itself (code ${code}, signal ${signal}); ${context}`);
  expect(badLines, context).toEqual([]);
  return acks;
}

function segmentFiles(dir: string): string[] {
  return fs.readdirSync(dir).filter((name) => /^\d{20}\.log$/.test(name)).sort();
}

function baseOfFile(name: string): number {
  return Number(name.slice(0, 20));
}

/**
 * Tears a segment the way a power loss could: cuts it somewhere between the size it had right
 * after the last durably acknowledged append (0 if that went to an older segment) and its size now,
 * maybe followed by garbage. Usually the newest segment; sometimes an older one that may still hold
 * unsynced data (at or after both the last acknowledged segment and the recovery point), whose
 * later segments recovery must then drop.
 */
function tearTail(dir: string, lastAck: Ack, random: SeededRandom): TornTail {
  const files = segmentFiles(dir);
  const checkpoint = Number(fs.readFileSync(path.join(dir, 'recovery-point'), 'utf8').trim());
  const firstUnsafe = files.map(baseOfFile).filter((base) => base <= checkpoint).pop() ?? 0;
  const candidates = files.filter((name) => name >= lastAck.segmentFile && baseOfFile(name) >= firstUnsafe);
  const newest = files[files.length - 1]!;
  expect(newest >= lastAck.segmentFile, `newest segment ${newest} is older than the acknowledged ${lastAck.segmentFile}`).toBe(true);
  const file = random.chance(0.5) ? newest : random.pick(candidates);
  const filePath = path.join(dir, file);
  const sizeAtKill = fs.statSync(filePath).size;
  const durableSize = file === lastAck.segmentFile ? lastAck.segmentSize : 0;
  expect(sizeAtKill).toBeGreaterThanOrEqual(durableSize);
  const cut = random.int(durableSize, sizeAtKill);
  const garbage = random.pick(['none', 'random', 'zeros', 'stale-batch'] as const);
  let tail: Buffer;
  if (garbage === 'none') tail = Buffer.alloc(0);
  else if (garbage === 'random') tail = random.bytes(random.int(1, 8192));
  else if (garbage === 'zeros') tail = Buffer.alloc(random.int(1, 8192));
  else tail = staleBatch(dir, random); // valid CRC, wrong offset: as if old blocks showed through
  fs.truncateSync(filePath, cut);
  if (tail.length > 0) fs.appendFileSync(filePath, tail);
  const later = files.length - 1 - files.indexOf(file);
  return { file, later, sizeAtKill, durableSize, cut, garbage, garbageBytes: tail.length };
}

/** A copy of a random whole batch of the oldest segment. */
function staleBatch(dir: string, random: SeededRandom): Buffer {
  const bytes = fs.readFileSync(path.join(dir, segmentFiles(dir)[0]!));
  const positions: number[] = [];
  for (let position = 0; position + BATCH_HEADER_SIZE <= bytes.length; position += readBatchHeader(bytes, position).sizeInBytes) positions.push(position);
  const position = random.pick(positions);
  return Buffer.from(bytes.subarray(position, position + readBatchHeader(bytes, position).sizeInBytes));
}

/** A logger for PartitionLog that keeps what it is told (warn and above) for the assertions. */
function recordingLogger(lines: string[]): NonNullable<PartitionLogOptions['logger']> {
  const record = (level: string) => (obj: unknown, msg?: string): void => {
    lines.push(`${level}: ${msg ?? ''} ${JSON.stringify(obj)}`);
  };
  const methods: Record<string, unknown> = { warn: record('warn'), error: record('error'), fatal: record('fatal') };
  const ignore = (): void => undefined;
  const logger: unknown = new Proxy(methods, {
    get: (target, name) => (name === 'child' ? () => logger : typeof name === 'string' && name in target ? target[name] : ignore),
  });
  return logger as NonNullable<PartitionLogOptions['logger']>;
}

/** Throws unless `bytes` is exactly generated batch `index` at `baseOffset` with `epoch`. */
function checkBatch(bytes: Buffer, index: number, baseOffset: number, epoch: number): void {
  const where = `batch ${index} (offset ${baseOffset})`;
  const { header, records } = decodeBatch(bytes);
  const wanted = generateRecords(SEED, index);
  if (header.baseOffset !== baseOffset) throw new Error(`${where}: base offset ${header.baseOffset}`);
  if (header.partitionLeaderEpoch !== epoch) throw new Error(`${where}: leader epoch ${header.partitionLeaderEpoch}, want ${epoch}`);
  if (records.length !== wanted.length) throw new Error(`${where}: ${records.length} records, want ${wanted.length}`);
  records.forEach((record, j) => {
    const want = wanted[j]!;
    if (record.offset !== baseOffset + j) throw new Error(`${where}: record ${j} has offset ${record.offset}`);
    if (record.key?.toString() !== want.key) throw new Error(`${where}: record ${j} has key ${record.key?.toString()}, want ${want.key}`);
    const sameValue = record.value === null || want.value === null ? record.value === want.value : record.value.equals(want.value);
    if (!sameValue) throw new Error(`${where}: record ${j} (${want.key}) has a different value`);
    if (record.timestamp !== want.timestamp) throw new Error(`${where}: record ${j} has timestamp ${record.timestamp}`);
  });
  if (!bytes.equals(encodeGeneratedBatch(SEED, index, baseOffset, epoch))) throw new Error(`${where}: bytes differ from the generated batch`);
}

/**
 * Reopens the log after the kill and the torn tail and checks it holds exactly a prefix of the
 * generated batches, at least up to the last durable ack, and nothing torn. Then appends the next
 * batch at the log end and records it in `expected`.
 */
async function reopenAndVerify(dir: string, policy: FlushPolicy, expected: Expected, round: number, startBatch: number, acks: Ack[], torn: TornTail): Promise<void> {
  const logLines: string[] = [];
  const log = await PartitionLog.open(dir, { config: { ...LOG_CONFIG, flushPolicy: policy }, logger: recordingLogger(logLines) });
  openLogs.add(log);
  const epochOf = (index: number): number => (index < startBatch ? expected.epochs[index]! : round);
  const tornBase = baseOfFile(torn.file);
  const filesAtOpen = segmentFiles(dir);
  const nextFile = filesAtOpen[filesAtOpen.indexOf(torn.file) + 1];
  const tornEnd = nextFile === undefined ? Infinity : baseOfFile(nextFile);

  // Everything the log holds, batch by batch: each must be the next generated batch, whole and dense.
  let offset = 0;
  let index = 0;
  let totalBytes = 0;
  let tornFileBytes = 0;
  let keptBeforeTornEnd = 0;
  expect(log.logStartOffset).toBe(0);
  while (offset < log.logEndOffset) {
    const { records } = log.read(offset, { maxBytes: 1024 * 1024 });
    expect(records.length, `read at ${offset} below the log end ${log.logEndOffset}`).toBeGreaterThan(0);
    for (let position = 0; position < records.length; ) {
      const header = readBatchHeader(records, position);
      expect(header.baseOffset, `batch ${index}`).toBe(baseOffsetOf(expected, index));
      checkBatch(records.subarray(position, position + header.sizeInBytes), index, header.baseOffset, epochOf(index));
      totalBytes += header.sizeInBytes;
      if (header.baseOffset >= tornBase && header.baseOffset < tornEnd) tornFileBytes += header.sizeInBytes;
      if (header.baseOffset < tornEnd) keptBeforeTornEnd++;
      position += header.sizeInBytes;
      offset = header.lastOffset + 1;
      index++;
    }
  }
  const held = index;
  expect(log.logEndOffset).toBe(baseOffsetOf(expected, held));

  // Every durably acknowledged batch survived, and the acks named the right offsets.
  for (const ack of acks) expect(ack.nextOffset, `ack of batch ${ack.batchIndex}`).toBe(baseOffsetOf(expected, ack.batchIndex + 1));
  const lastAck = acks.reduce((a, b) => (b.batchIndex > a.batchIndex ? b : a));
  expect(held, `batches held after recovery vs. last durable ack (batch ${lastAck.batchIndex})`).toBeGreaterThan(lastAck.batchIndex);
  expect(log.flushedOffset).toBeGreaterThanOrEqual(lastAck.nextOffset);

  // Only the torn part went: the kept bytes of the torn file end at or before the cut, and the
  // generated batch after them did not fit whole before the cut (recovery kept every intact batch).
  // Segments after a torn one are dropped (they cannot follow it); after an intact one they stay.
  const tear = `torn tail ${JSON.stringify(torn)}, kept ${tornFileBytes} bytes of it`;
  expect(tornFileBytes, tear).toBeLessThanOrEqual(torn.cut);
  expect(tornFileBytes + encodeGeneratedBatch(SEED, keptBeforeTornEnd).length, tear).toBeGreaterThan(torn.cut);
  expect(log.openReport.truncatedBytes, tear).toBe(torn.cut + torn.garbageBytes - tornFileBytes);
  const intact = torn.cut === torn.sizeAtKill && torn.garbageBytes === 0;
  expect(log.openReport.removedSegments, tear).toBe(intact ? 0 : torn.later);
  if (!intact) expect(log.logEndOffset, tear).toBeLessThanOrEqual(tornEnd);
  const allowed = ['warn: truncated damaged log tail', ...(intact || torn.later === 0 ? [] : ['error: removed segments after a damaged one'])];
  expect(
    logLines.filter((line) => !allowed.some((prefix) => line.startsWith(prefix))),
    tear,
  ).toEqual([]);
  // Nothing but whole batches is left on disk (no garbage, no partial batch, no index without its log).
  const files = segmentFiles(dir);
  const onDisk = files.reduce((sum, name) => sum + fs.statSync(path.join(dir, name)).size, 0);
  expect(onDisk, tear).toBe(totalBytes);
  const indexes = fs.readdirSync(dir).filter((name) => /^\d{20}\.(index|timeindex)$/.test(name));
  expect(indexes.filter((name) => !files.includes(`${name.slice(0, 20)}.log`)), tear).toEqual([]);

  // Appending works again at the log end: the next generated batch, durably, and it reads back.
  const info = log.append(encodeGeneratedBatch(SEED, held), { assignOffsets: true, leaderEpoch: round });
  expect(info.firstOffset).toBe(baseOffsetOf(expected, held));
  await log.waitForDurable(info.lastOffset + 1);
  checkBatch(log.read(info.firstOffset).records, held, info.firstOffset, round);
  await log.close();
  openLogs.delete(log);

  for (let i = startBatch; i <= held; i++) expected.epochs[i] = round;
  expected.epochs.length = held + 1;
  expected.batches = held + 1;
}

describe(`storage crash recovery (seed ${SEED})`, () => {
  for (const [policyNumber, policy] of (['group-commit', 'every-batch'] as const).entries()) {
    it(`kills a writer process with SIGKILL in the middle of appends, reopens the log, and finds every fsynced batch intact and nothing after a torn tail (flush=${policy})`, async () => {
      const history: string[] = [];
      onTestFailed(() => {
        process.stderr.write(
          `storage-crash (flush=${policy}) failed with seed ${SEED}; rerun with QUILL_SEED=${SEED}\n${history.map((h) => `  ${h}\n`).join('')}`,
        );
      });
      const random = new SeededRandom((SEED + policyNumber * 0x9e3779b9) >>> 0);
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), `quill-crash-${policy}-`));
      tempDirs.push(dir);
      const expected: Expected = { batches: 0, epochs: [], baseOffsets: [] };
      for (let round = 1; round <= ROUNDS; round++) {
        const startBatch = expected.batches;
        const inFlight = random.pick(IN_FLIGHT_CHOICES);
        const killAfter = random.int(MIN_ACKS, MAX_ACKS);
        history.push(`round ${round}: writer from batch ${startBatch}, ${inFlight} in flight, SIGKILL after ${killAfter} durable acks`);
        const acks = await runWriterAndKill(dir, policy, startBatch, round, inFlight, killAfter);
        const lastAck = acks.reduce((a, b) => (b.batchIndex > a.batchIndex ? b : a));
        const torn = tearTail(dir, lastAck, random);
        history.push(`  ${acks.length} acks, last ${JSON.stringify(lastAck)}; torn tail ${JSON.stringify(torn)}`);
        await reopenAndVerify(dir, policy, expected, round, startBatch, acks, torn);
        history.push(`  recovered: ${expected.batches - 1} batches kept, then batch ${expected.batches - 1} appended at the log end`);
      }
      expect(segmentFiles(dir).length, 'segments rolled during the run').toBeGreaterThan(3);
    });
  }
});
