import { describe, expect, it } from 'vitest';
import { OffsetTracker } from './offset-tracker.js';

describe('OffsetTracker', () => {
  it('reports processed offsets not yet committed, per partition, and counts for the threshold', () => {
    const tracker = new OffsetTracker();
    tracker.markCommitted([{ topic: 't', partition: 0, offset: 5 }]);
    expect(tracker.pending()).toEqual([]);
    tracker.markProcessed('t', 0, 6);
    tracker.markProcessed('t', 0, 7);
    tracker.markProcessed('t', 1, 1);
    expect(tracker.uncommittedCount).toBe(3);
    expect(tracker.pending()).toEqual([
      { topic: 't', partition: 0, offset: 7 },
      { topic: 't', partition: 1, offset: 1 },
    ]);
    expect(tracker.pending([{ topic: 't', partition: 1 }])).toEqual([{ topic: 't', partition: 1, offset: 1 }]);
    tracker.markCommitted([{ topic: 't', partition: 0, offset: 7 }]);
    tracker.commitDone();
    expect(tracker.uncommittedCount).toBe(0);
    expect(tracker.pending()).toEqual([{ topic: 't', partition: 1, offset: 1 }]);
    tracker.markProcessed('t', 0, 7);
    expect(tracker.pending([{ topic: 't', partition: 0 }])).toEqual([]);
    tracker.forget([{ topic: 't', partition: 1 }]);
    expect(tracker.pending()).toEqual([]);
  });
});

describe('OffsetTracker.hasUncommitted', () => {
  it('follows the offsets, not the count: a commit of some partitions leaves the others uncommitted', () => {
    const tracker = new OffsetTracker();
    expect(tracker.hasUncommitted).toBe(false);
    tracker.markProcessed('t', 0, 3);
    tracker.markProcessed('t', 1, 4);
    tracker.markCommitted([{ topic: 't', partition: 1, offset: 4 }]);
    tracker.commitDone();
    expect(tracker.uncommittedCount).toBe(0);
    expect(tracker.hasUncommitted).toBe(true);
    tracker.markCommitted([{ topic: 't', partition: 0, offset: 3 }]);
    expect(tracker.hasUncommitted).toBe(false);
    tracker.markProcessed('t', 0, 4);
    expect(tracker.hasUncommitted).toBe(true);
    tracker.forget([{ topic: 't', partition: 0 }]);
    expect(tracker.hasUncommitted).toBe(false);
    tracker.markProcessed('t', 1, 5);
    tracker.clear();
    expect(tracker.hasUncommitted).toBe(false);
  });
});
