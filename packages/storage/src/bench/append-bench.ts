import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { encodeBatch } from '@quill/records';
import { pino } from 'pino';
import type { FlushPolicy } from '../config.js';
import { PartitionLog } from '../log/partition-log.js';

export interface BatchShape {
  recordsPerBatch: number;
  valueBytes: number;
}

/** Distinct batches encoded up front (encoding is not what is measured); appends cycle through them. */
export function makeBatches(shape: BatchShape, count: number): Buffer[] {
  return Array.from({ length: count }, () =>
    encodeBatch(Array.from({ length: shape.recordsPerBatch }, () => ({ key: null, value: randomBytes(shape.valueBytes) }))),
  );
}

export interface AppendRun {
  policy: FlushPolicy;
  batches: number;
  bytes: number;
  /** From the first append until everything appended is durable (fsynced; for os: after the final flush). */
  seconds: number;
  mbPerSec: number;
  batchesPerSec: number;
  /** os only: time spent in append() (page cache writes), the rest being the final fdatasync. */
  appendSeconds: number | undefined;
  /** Times the durable end offset advanced: one per fsync round under group-commit, one per append under every-batch. */
  durableAdvances: number | undefined;
  /** True when the time limit stopped the run before `targetBytes`. */
  timeLimited: boolean;
}

export interface AppendRunOptions {
  policy: FlushPolicy;
  dir: string;
  batches: readonly Buffer[];
  targetBytes: number;
  maxSeconds: number;
  /** Appends awaiting durability at once (group-commit and every-batch). */
  inFlight: number;
}

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Appends `targetBytes` of the given batches to a fresh log (default config but the flush policy)
 * in `dir`, which it deletes afterwards. Under os: appends back to back, then one flush. Under
 * group-commit and every-batch: like a broker, each append is followed by a turn of the event loop
 * (fsync completions are handled between appends) and up to `inFlight` appends await durability
 * at once; the run ends when the last one is durable.
 */
export async function measureAppend(options: AppendRunOptions): Promise<AppendRun> {
  const { policy, batches, targetBytes, maxSeconds, inFlight } = options;
  const logDir = path.join(options.dir, `log-${policy}`);
  const log = await PartitionLog.open(logDir, { config: { flushPolicy: policy }, logger: pino({ level: 'warn' }) });
  let durableAdvances = 0;
  const unsubscribe = log.onDurableAdvance(() => durableAdvances++);
  let appended = 0;
  let bytes = 0;
  let appendSeconds: number | undefined;
  let timeLimited = false;
  const start = performance.now();
  const deadline = start + maxSeconds * 1000;
  try {
    if (policy === 'os') {
      while (bytes < targetBytes) {
        const batch = batches[appended % batches.length]!;
        log.append(batch, { assignOffsets: true, leaderEpoch: 0 });
        appended++;
        bytes += batch.length;
        if ((appended & 63) === 0 && performance.now() > deadline) {
          timeLimited = true;
          break;
        }
      }
      appendSeconds = (performance.now() - start) / 1000;
      await log.flush();
    } else {
      const pending: Array<Promise<void>> = [];
      while (bytes < targetBytes) {
        if (performance.now() > deadline) {
          timeLimited = true;
          break;
        }
        const batch = batches[appended % batches.length]!;
        const info = log.append(batch, { assignOffsets: true, leaderEpoch: 0 });
        appended++;
        bytes += batch.length;
        pending.push(log.waitForDurable(info.lastOffset + 1));
        if (pending.length >= inFlight) await pending.shift();
        else await yieldToEventLoop();
      }
      await Promise.all(pending);
    }
    const seconds = (performance.now() - start) / 1000;
    return {
      policy,
      batches: appended,
      bytes,
      seconds,
      mbPerSec: bytes / 1e6 / seconds,
      batchesPerSec: appended / seconds,
      appendSeconds,
      durableAdvances: policy === 'os' ? undefined : durableAdvances,
      timeLimited,
    };
  } finally {
    unsubscribe();
    await log.close();
    fs.rmSync(logDir, { recursive: true, force: true });
  }
}

export interface RawWriteRun {
  batches: number;
  bytes: number;
  seconds: number;
  mbPerSec: number;
  batchesPerSec: number;
}

/**
 * The floor under every policy, in this process: the same batch buffers written back to back with
 * fs.writeSync to one file, then one fdatasync (what flush=os does, minus the log's own work).
 */
export async function measureRawWrite(dir: string, batches: readonly Buffer[], targetBytes: number): Promise<RawWriteRun> {
  const file = path.join(dir, 'raw-write.bin');
  const fd = fs.openSync(file, 'w');
  try {
    let count = 0;
    let bytes = 0;
    const start = performance.now();
    while (bytes < targetBytes) {
      const batch = batches[count % batches.length]!;
      for (let written = 0; written < batch.length; ) written += fs.writeSync(fd, batch, written, batch.length - written, bytes + written);
      bytes += batch.length;
      count++;
    }
    await new Promise<void>((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())));
    const seconds = (performance.now() - start) / 1000;
    return { batches: count, bytes, seconds, mbPerSec: bytes / 1e6 / seconds, batchesPerSec: count / seconds };
  } finally {
    fs.closeSync(fd);
    fs.rmSync(file, { force: true });
  }
}
