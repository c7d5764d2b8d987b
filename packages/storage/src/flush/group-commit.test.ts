import { describe, expect, it } from 'vitest';
import { GroupCommitScheduler, type Flushable } from './group-commit.js';

/** A flush target whose syncs take until the test releases them, to observe grouping. */
class SlowTarget implements Flushable {
  flushes = 0;
  private release: (() => void) | undefined;
  flushDirty(): Promise<void> {
    this.flushes++;
    return new Promise((resolve) => {
      this.release = resolve;
    });
  }
  finish(): void {
    this.release?.();
    this.release = undefined;
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('GroupCommitScheduler', () => {
  it('syncs every requesting log in one round, and requests during a round wait for the next', async () => {
    const scheduler = new GroupCommitScheduler(0);
    const a = new SlowTarget();
    const b = new SlowTarget();
    for (let i = 0; i < 100; i++) {
      scheduler.request(a);
      scheduler.request(b);
    }
    await tick();
    expect([a.flushes, b.flushes]).toEqual([1, 1]);
    for (let i = 0; i < 50; i++) scheduler.request(a);
    await tick();
    expect(a.flushes).toBe(1);
    a.finish();
    b.finish();
    await tick();
    await tick();
    expect([a.flushes, b.flushes]).toEqual([2, 1]);
    a.finish();
    await scheduler.drain();
  });

  it('keeps flushing the others when one log fails', async () => {
    const scheduler = new GroupCommitScheduler(0);
    let good = 0;
    scheduler.request({ flushDirty: () => Promise.reject(new Error('EIO')) });
    scheduler.request({ flushDirty: async () => void good++ });
    await scheduler.drain();
    expect(good).toBe(1);
  });

  it('reports each round with how many logs it synced', async () => {
    const rounds: Array<{ seconds: number; logs: number }> = [];
    const scheduler = new GroupCommitScheduler(0, undefined, (seconds, logs) => rounds.push({ seconds, logs }));
    const a = new SlowTarget();
    const b = new SlowTarget();
    scheduler.request(a);
    scheduler.request(b);
    await tick();
    expect(rounds).toEqual([]);
    a.finish();
    b.finish();
    await scheduler.drain();
    expect(rounds).toHaveLength(1);
    expect(rounds[0]!.logs).toBe(2);
    expect(rounds[0]!.seconds).toBeGreaterThanOrEqual(0);
  });

  it('starts a round without a timer when none is in flight, and batches only while one is', async () => {
    const timeouts: number[] = [];
    const timers = { setTimeout: (_callback: () => void, ms: number) => timeouts.push(ms), setImmediate: (callback: () => void) => setImmediate(callback) };
    const rounds: Array<{ logs: number; queuedSeconds: number }> = [];
    const scheduler = new GroupCommitScheduler(0, timers, (_seconds, logs, queuedSeconds) => rounds.push({ logs, queuedSeconds }));
    const a = new SlowTarget();
    const b = new SlowTarget();
    scheduler.request(a);
    await tick();
    expect(a.flushes).toBe(1);
    // While a's fsync runs, b waits for it to end, then goes at once.
    scheduler.request(b);
    await tick();
    expect(b.flushes).toBe(0);
    a.finish();
    await tick();
    await tick();
    expect(b.flushes).toBe(1);
    b.finish();
    await scheduler.drain();
    expect(timeouts).toEqual([]);
    expect(rounds.map((r) => r.logs)).toEqual([1, 1]);
    expect(rounds.every((r) => r.queuedSeconds >= 0)).toBe(true);
  });
});
