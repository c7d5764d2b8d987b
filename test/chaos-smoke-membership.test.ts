// A short Jepsen-style run in the default suite for the membership and leadership faults, one of
// each on a fixed schedule: a leader moved by controlled shutdown, a slowed follower link, the
// churned topic deleted and re-created, fsync failures on a leader, and a rolling restart that the
// end of the workload cuts short after its first nodes. Two checked topics, min.insync.replicas=2,
// then the checker: any anomaly fails it. `QUILL_SEED=<seed>` replays the workload's choices.
import { seedFromEnv } from '@quill/random';
import { runChaos, type PlannedFault } from '@quill/testing';
import { describe, expect, it } from 'vitest';

const PLAN: PlannedFault[] = [
  { kind: 'leader-move', startAt: 1_000, endAt: 2_500, pick: 0.1 },
  { kind: 'isr-churn', startAt: 3_500, endAt: 8_000, pick: 0.5 },
  { kind: 'topic-churn', startAt: 9_000, endAt: 10_000, pick: 0 },
  { kind: 'fsync-fail', startAt: 11_000, endAt: 13_000, pick: 0.8 },
  { kind: 'rolling-restart', startAt: 14_000, endAt: 16_000, pick: 0 },
];

describe('quill chaos (smoke, membership and leadership faults)', () => {
  it('finds no anomaly with one fault of each new kind', async () => {
    const seed = seedFromEnv(11);
    const report = await runChaos({
      durationMs: 17_000,
      seed,
      faults: PLAN.map((f) => f.kind),
      plan: PLAN,
      topics: 2,
      minInsyncReplicas: 2,
      rate: 40,
      sendDeadlineMs: 8_000,
      // Short of a whole rolling restart: the suite stays quick, the first nodes still roll.
      faultOverrunMaxMs: 8_000,
    });
    const summary = { seed, acknowledged: report.acknowledged, faults: report.faults.map((f) => `${f.startAt}-${f.endAt} ms ${f.detail}`), churn: report.churn, examples: report.examples };
    expect(report.faults.map((f) => f.kind), JSON.stringify(summary)).toEqual(PLAN.map((f) => f.kind));
    expect(report.churn?.incarnation, JSON.stringify(summary)).toBe(1);
    expect(Object.keys(report.endOffsets).sort(), JSON.stringify(summary)).toEqual(['chaos-0', 'chaos-1']);
    expect(report.acknowledged, JSON.stringify(summary)).toBeGreaterThan(0);
    expect(report.ok, JSON.stringify(summary)).toBe(true);
  }, 240_000);
});
