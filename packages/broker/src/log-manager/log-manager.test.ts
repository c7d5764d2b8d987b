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
