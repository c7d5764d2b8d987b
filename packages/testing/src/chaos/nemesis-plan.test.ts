import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, parseFaultKinds, planFaults } from './nemesis-plan.js';

describe('planFaults', () => {
  it('is the same for the same seed and differs across seeds', () => {
    const options = { seed: 7, durationMs: 60_000, kinds: [...FAULT_KINDS] };
    expect(planFaults(options)).toEqual(planFaults(options));
    expect(planFaults(options)).not.toEqual(planFaults({ ...options, seed: 8 }));
  });

  it('keeps faults inside the run, one at a time, with quiet time between', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const plan = planFaults({ seed, durationMs: 30_000, kinds: ['kill', 'partition'] });
      expect(plan.length).toBeGreaterThan(0);
      let previousEnd = 0;
      for (const fault of plan) {
        expect(fault.startAt).toBeGreaterThanOrEqual(previousEnd + 2_000);
        expect(fault.endAt).toBeLessThanOrEqual(30_000);
        expect(['kill', 'partition']).toContain(fault.kind);
        previousEnd = fault.endAt;
      }
    }
  });

  it('plans nothing without fault kinds', () => {
    expect(planFaults({ seed: 1, durationMs: 60_000, kinds: [] })).toEqual([]);
  });
});

describe('parseFaultKinds', () => {
  it('reads a comma list and refuses unknown names', () => {
    expect(parseFaultKinds('kill, pause,controller')).toEqual(['kill', 'pause', 'controller']);
    expect(() => parseFaultKinds('kill,meteor')).toThrow(/unknown fault 'meteor'/);
  });
});
