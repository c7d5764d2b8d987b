import { describe, expect, it } from 'vitest';
import { RaftInvariantError } from '../core/errors.js';
import { LivenessFailure, runSimulation, SimulationFailure, STEPS_DEFAULT, type SimulationReport } from './simulation.js';
import { SafetyViolation } from './safety-checker.js';

/**
 * Seeds the default test run covers: enough for every fault and both cluster sizes (checked
 * below) within the suite's time budget; `pnpm sim --seeds N` runs more.
 */
const SEEDS = 2000;
const SEEDS_PER_TEST = 500;
const STEPS = STEPS_DEFAULT;

describe('deterministic simulation', () => {
  const reports: SimulationReport[] = [];

  for (let first = 0; first < SEEDS; first += SEEDS_PER_TEST) {
    const last = first + SEEDS_PER_TEST - 1;
    it(`keeps every safety property and converges after healing, seeds ${first}..${last}`, async () => {
      // A failure throws SimulationFailure, whose message names the seed and the
      // command that reproduces it.
      for (let seed = first; seed <= last; seed++) reports.push(await runSimulation({ seed, steps: STEPS }));
    });
  }

  it('exercised every fault and both cluster sizes', () => {
    expect(reports).toHaveLength(SEEDS);
    const sum = (pick: (report: SimulationReport) => number): number => reports.reduce((total, report) => total + pick(report), 0);
    expect(new Set(reports.map((report) => report.voters))).toEqual(new Set([3, 5]));
    expect(reports.some((report) => report.observers > 0)).toBe(true);
    expect(sum((report) => report.crashes)).toBeGreaterThan(SEEDS);
    expect(sum((report) => report.partitions)).toBeGreaterThan(SEEDS);
    expect(sum((report) => report.snapshotsSent)).toBeGreaterThan(SEEDS / 2);
    expect(sum((report) => report.transfers)).toBeGreaterThan(SEEDS / 2);
    expect(sum((report) => report.messages.dropped)).toBeGreaterThan(0);
    expect(sum((report) => report.messages.duplicated)).toBeGreaterThan(0);
    expect(sum((report) => report.committedIndex)).toBeGreaterThan(10 * SEEDS);
    expect(Math.min(...reports.map((report) => report.events))).toBeGreaterThan(STEPS);
  });

  it('replays a seed exactly', async () => {
    const first = await runSimulation({ seed: 12345, steps: STEPS });
    const second = await runSimulation({ seed: 12345, steps: STEPS });
    expect(second).toEqual(first);
    expect((await runSimulation({ seed: 12346, steps: STEPS })).fingerprint).not.toBe(first.fingerprint);
  });

  it('reproduces a run when the drawn cluster size is passed explicitly', async () => {
    const drawn = await runSimulation({ seed: 77, steps: 500 });
    expect(await runSimulation({ seed: 77, steps: 500, voters: drawn.voters, observers: drawn.observers })).toEqual(drawn);
  });

  it('catches a node that sends before persisting, naming the seed and how to reproduce it', async () => {
    let failure: SimulationFailure | undefined;
    for (let seed = 0; seed < 50 && failure === undefined; seed++) {
      try {
        await runSimulation({ seed, steps: STEPS, sabotage: 'send-before-persist' });
      } catch (error) {
        if (!(error instanceof SimulationFailure)) throw error;
        failure = error;
      }
    }
    expect(failure).toBeDefined();
    expect(failure?.cause instanceof SafetyViolation || failure?.cause instanceof RaftInvariantError).toBe(true);
    expect(failure?.message).toMatch(/^seed \d+ failed at event \d+: /);
    expect(failure?.reproduction).toMatch(new RegExp(`^pnpm sim --seed \\d+ --steps ${STEPS} --voters [35] --observers \\d --sabotage send-before-persist$`));
  });

  it('has the safety checker itself catch lost writes (not only the core assertions)', async () => {
    const violations: SafetyViolation[] = [];
    for (let seed = 0; seed < 300; seed++) {
      try {
        await runSimulation({ seed, steps: STEPS, sabotage: 'send-before-persist' });
      } catch (error) {
        if (error instanceof SimulationFailure && error.cause instanceof SafetyViolation) violations.push(error.cause);
      }
    }
    expect(violations.length).toBeGreaterThan(0);
  });

  it('reports a liveness failure as a simulation failure', () => {
    expect(new SimulationFailure(1, 'pnpm sim --seed 1', 10, new LivenessFailure('stuck')).message).toBe(
      'seed 1 failed at event 10: stuck\n  reproduce: pnpm sim --seed 1',
    );
  });
});
