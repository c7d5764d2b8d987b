import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeBatch } from '@quill/records';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { LogManager } from './log-manager.js';

const INTERVAL_MS = 300;

describe('LogManager', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('applies flush.interval.ms: a log with an interval waits that long to sync, one without does not', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-log-manager-'));
    dirs.push(dir);
    const logs = new LogManager(dir, pino({ level: 'silent' }), 60_000);
    const upperBound = () => Number.MAX_SAFE_INTEGER;
    const prompt = await logs.open('prompt', 'id-prompt', 0, { flushPolicy: 'group-commit' }, upperBound);
    const delayed = await logs.open('delayed', 'id-delayed', 0, { flushPolicy: 'group-commit', flushIntervalMs: INTERVAL_MS }, upperBound);
    const batch = encodeBatch([{ value: Buffer.from('v') }]);
    const started = performance.now();
    const durableAfterMs = (log: typeof prompt) => {
      const info = log.append(batch, { assignOffsets: true, leaderEpoch: 0 });
      return log.waitForDurable(info.lastOffset + 1).then(() => performance.now() - started);
    };
    const [promptMs, delayedMs] = await Promise.all([durableAfterMs(prompt), durableAfterMs(delayed)]);
    // Timers never fire early, so the lower bound holds on any machine; the prompt log did not wait for it.
    expect(delayedMs).toBeGreaterThanOrEqual(INTERVAL_MS - 1);
    expect(promptMs).toBeLessThan(delayedMs);
    await logs.stop();
    await Promise.all([prompt.close(), delayed.close()]);
  });
});

describe('LogManager topic ids', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });
  const upperBound = () => Number.MAX_SAFE_INTEGER;
  const batch = encodeBatch([{ value: Buffer.from('old') }]);

  function dataDir(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quill-log-manager-'));
    dirs.push(dir);
    return dir;
  }

  /** A closed log of topic `topicId` holding one record, as an earlier run left it. */
  async function leaveLog(dir: string, topic: string, topicId: string): Promise<void> {
    const logs = new LogManager(dir, pino({ level: 'silent' }), 60_000);
    const log = await logs.open(topic, topicId, 0, { flushPolicy: 'os' }, upperBound);
    log.append(batch, { assignOffsets: true, leaderEpoch: 0 });
    logs.forget(log);
    await log.close();
    await logs.stop();
  }

  it('opens an earlier topic of the same name as a new, empty log, and names the new topic id', async () => {
    const dir = dataDir();
    await leaveLog(dir, 'orders', 'old-id');
    const logs = new LogManager(dir, pino({ level: 'silent' }), 60_000);
    const log = await logs.open('orders', 'new-id', 0, { flushPolicy: 'os' }, upperBound);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([0, 0]);
    expect(fs.readFileSync(path.join(dir, 'orders-0', 'partition.metadata'), 'utf8').trim()).toBe('new-id');
    logs.forget(log);
    await log.close();
    await logs.stop();
  });

  it('never adopts a directory that does not name its topic id (its origin is unknown)', async () => {
    const dir = dataDir();
    await leaveLog(dir, 'orders', 'old-id');
    fs.rmSync(path.join(dir, 'orders-0', 'partition.metadata'));
    const logs = new LogManager(dir, pino({ level: 'silent' }), 60_000);
    const log = await logs.open('orders', 'new-id', 0, { flushPolicy: 'os' }, upperBound);
    expect([log.logStartOffset, log.logEndOffset]).toEqual([0, 0]);
    logs.forget(log);
    await log.close();
    await logs.stop();
  });

  it('removes stray logs (topic id or replica not in the metadata) and unfinished removals, and keeps the wanted ones', async () => {
    const dir = dataDir();
    await leaveLog(dir, 'kept', 'kept-id');
    await leaveLog(dir, 'orders', 'old-id');
    await leaveLog(dir, 'gone', 'gone-id');
    fs.mkdirSync(path.join(dir, 'orders-1.0123-delete'));
    fs.mkdirSync(path.join(dir, 'controller'));
    fs.writeFileSync(path.join(dir, 'meta.properties'), '');
    const logs = new LogManager(dir, pino({ level: 'silent' }), 60_000);
    const wanted = new Set(['kept-id:kept-0', 'new-id:orders-0']);
    await logs.removeStrayLogs((topic, partition, topicId) => wanted.has(`${topicId}:${topic}-${partition}`));
    await logs.stop();
    expect(fs.readdirSync(dir).sort()).toEqual(['controller', 'kept-0', 'meta.properties']);
  });
});
