import { describe, expect, it } from 'vitest';
import { quillAgainstCluster } from './support/run-quill.js';

// `quill bench rebalance` run briefly against an in-process three-broker cluster: the JSON report
// has the promised fields and figures that make sense. No speed is asserted here (the machine
// may be loaded); the figures belong in docs/BENCHMARKS.md.

const { quill } = quillAgainstCluster();

interface Summary {
  p50: number;
  p99: number;
  max: number;
}

describe('quill bench rebalance', () => {
  it('forms fresh groups, rebalances each after a member leaves, and reports p50/p99/max of both', async () => {
    const run = await quill(['bench', 'rebalance', '--trials', '2', '--members', '4', '--partitions', '6', '--json']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as {
      benchmark: string;
      topic: string;
      partitions: number;
      members: number;
      trials: number;
      joinMs: Summary;
      leaveMs: Summary;
      leaveNoticedMs: Summary;
      trialResults: Array<{ groupId: string; joinMs: number; joinGenerationId: number; leaveMs: number; leaveGenerationId: number; leaveNoticedMs: number }>;
      loadAverage: { start: number[]; end: number[] };
    };
    expect(report).toMatchObject({ benchmark: 'rebalance', topic: 'bench-rebalance', partitions: 6, members: 4, trials: 2 });
    expect(report.trialResults).toHaveLength(2);
    expect(new Set(report.trialResults.map((t) => t.groupId)).size).toBe(2);
    for (const trial of report.trialResults) {
      expect(trial.joinMs).toBeGreaterThan(0);
      expect(trial.leaveMs).toBeGreaterThan(0);
      // Heard of before it was over.
      expect(trial.leaveNoticedMs).toBeGreaterThan(0);
      expect(trial.leaveNoticedMs).toBeLessThanOrEqual(trial.leaveMs);
      expect(trial.joinGenerationId).toBeGreaterThanOrEqual(1);
      expect(trial.leaveGenerationId).toBeGreaterThan(trial.joinGenerationId);
    }
    for (const [summary, values] of [
      [report.joinMs, report.trialResults.map((t) => t.joinMs)],
      [report.leaveMs, report.trialResults.map((t) => t.leaveMs)],
    ] as const) {
      expect(summary.max).toBe(Math.max(...values));
      expect(summary.p50).toBeLessThanOrEqual(summary.p99);
      expect(summary.p99).toBeLessThanOrEqual(summary.max);
      expect(values).toContain(summary.p50);
    }
    expect(report.loadAverage.start).toHaveLength(3);
    expect(report.loadAverage.end).toHaveLength(3);
    // The per-trial lines went to stderr, the JSON alone to stdout.
    expect(run.stderr).toContain('trial 2/2');
  }, 180_000);
});
