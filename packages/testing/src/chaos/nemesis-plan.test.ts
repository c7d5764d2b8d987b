import { describe, expect, it } from 'vitest';
import { FAULT_KINDS, parseFaultKinds, planFaults, type FaultKind } from './nemesis-plan.js';

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

  it('plans every kind it is given, the new membership and leadership faults included', () => {
    const kinds: FaultKind[] = ['rolling-restart', 'leader-move', 'isr-churn', 'topic-churn', 'fsync-fail'];
    const planned = new Set<string>();
    for (let seed = 1; seed <= 20; seed++) {
      for (const fault of planFaults({ seed, durationMs: 60_000, kinds })) {
        expect(kinds).toContain(fault.kind);
        expect(fault.pick).toBeGreaterThanOrEqual(0);
        expect(fault.pick).toBeLessThan(1);
        planned.add(fault.kind);
      }
    }
    expect([...planned].sort()).toEqual([...kinds].sort());
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

  it("reads the new kinds, and 'all' as every kind once", () => {
    expect(parseFaultKinds('rolling-restart,leader-move,isr-churn,topic-churn,fsync-fail')).toEqual(['rolling-restart', 'leader-move', 'isr-churn', 'topic-churn', 'fsync-fail']);
    expect(parseFaultKinds('all')).toEqual([...FAULT_KINDS]);
    expect(parseFaultKinds('kill,all')).toHaveLength(FAULT_KINDS.length);
  });
});
