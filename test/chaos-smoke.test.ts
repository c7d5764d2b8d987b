// A short Jepsen-style run in the default suite: a proxied 3+3 process cluster under kills,
// pauses, partitions and active-controller faults, then the checker. Any anomaly fails it; the
// seed is printed so `QUILL_SEED=<seed>` reproduces the schedule.
import { seedFromEnv } from '@quill/random';
import { runChaos } from '@quill/testing';
import { describe, expect, it } from 'vitest';

describe('quill chaos (smoke)', () => {
  it('finds no anomaly in a short run with every fault but power loss', async () => {
    const seed = seedFromEnv(6);
    const report = await runChaos({
      durationMs: 20_000,
      seed,
      faults: ['kill', 'pause', 'partition', 'controller'],
      rate: 40,
      sendDeadlineMs: 8_000,
    });
    const summary = { seed, acknowledged: report.acknowledged, faults: report.faults.map((f) => f.detail), examples: report.examples };
    expect(report.faults.length, JSON.stringify(summary)).toBeGreaterThan(0);
    expect(report.acknowledged, JSON.stringify(summary)).toBeGreaterThan(0);
    expect(report.ok, JSON.stringify(summary)).toBe(true);
  }, 120_000);
});
