import { describe, expect, it } from 'vitest';
import { planFaults } from './nemesis-plan.js';
import { POWER_LOSS_STAGGER_MS, parsePowerLossShapes, planPowerLoss } from './power-loss.js';

const NODES = [101, 1, 102, 2, 103, 3];

describe('planPowerLoss', () => {
  it('cuts every node at once for the whole cluster', () => {
    expect(planPowerLoss('all', NODES, 0.3)).toEqual([1, 2, 3, 101, 102, 103].map((id) => ({ id, atMs: 0 })));
  });

  it('cuts one node, chosen by the pick', () => {
    const picked = new Set<number>();
    for (let i = 0; i < 50; i++) {
      const cuts = planPowerLoss('one', NODES, i / 50);
      expect(cuts).toHaveLength(1);
      expect(cuts[0]!.atMs).toBe(0);
      picked.add(cuts[0]!.id);
    }
    expect(picked.size).toBe(NODES.length);
  });

  it('cuts a subset of at least two distinct nodes one after another, a few hundred ms apart', () => {
    const sizes = new Set<number>();
    for (let i = 0; i < 100; i++) {
      const cuts = planPowerLoss('staggered', NODES, i / 100);
      sizes.add(cuts.length);
      expect(cuts.length).toBeGreaterThanOrEqual(2);
      expect(new Set(cuts.map((c) => c.id)).size).toBe(cuts.length);
      expect(cuts[0]!.atMs).toBe(0);
      for (let k = 1; k < cuts.length; k++) {
        const gap = cuts[k]!.atMs - cuts[k - 1]!.atMs;
        expect(gap).toBeGreaterThanOrEqual(POWER_LOSS_STAGGER_MS.min);
        expect(gap).toBeLessThanOrEqual(POWER_LOSS_STAGGER_MS.max);
      }
    }
    expect(sizes.size).toBeGreaterThan(2);
  });

  it('gives the same cuts for the same pick', () => {
    expect(planPowerLoss('staggered', NODES, 0.42)).toEqual(planPowerLoss('staggered', NODES, 0.42));
  });
});

describe('power-loss shapes in the plan', () => {
  it('plans each shape asked for, and only those', () => {
    const shapes = (powerLossShapes?: Parameters<typeof planFaults>[0]['powerLossShapes']): Set<string> =>
      new Set(
        planFaults({ seed: 9, durationMs: 600_000, kinds: ['power-loss'], ...(powerLossShapes === undefined ? {} : { powerLossShapes }) }).map((f) =>
          f.kind === 'power-loss' ? f.variant : 'other',
        ),
      );
    expect(shapes()).toEqual(new Set(['all', 'one', 'staggered']));
    expect(shapes(['staggered'])).toEqual(new Set(['staggered']));
  });

  it('parses a shape list and rejects unknown shapes', () => {
    expect(parsePowerLossShapes('all, one,staggered')).toEqual(['all', 'one', 'staggered']);
    expect(() => parsePowerLossShapes('all,rack')).toThrow(/unknown power-loss shape 'rack'/);
  });
});
