import { ManualClock } from '@quill/clock';
import { describe, expect, it } from 'vitest';
import { Purgatory } from './purgatory.js';

function operation(condition: () => boolean) {
  const result = { completed: 0, expired: 0 };
  return {
    result,
    op: {
      tryComplete: () => {
        if (!condition()) return false;
        result.completed++;
        return true;
      },
      onExpire: () => void result.expired++,
    },
  };
}

describe('Purgatory', () => {
  it('completes at once when it can, without watching', () => {
    const purgatory = new Purgatory(10, new ManualClock());
    const { op, result } = operation(() => true);
    expect(purgatory.tryCompleteElseWatch(op, ['t-0'], 1000)).toBe('completed');
    expect(result.completed).toBe(1);
    expect(purgatory.size).toBe(0);
  });

  it('completes a waiter when its key is checked and the condition holds, exactly once', () => {
    const timers = new ManualClock();
    const purgatory = new Purgatory(10, timers);
    let highWatermark = 0;
    const { op, result } = operation(() => highWatermark >= 5);
    expect(purgatory.tryCompleteElseWatch(op, ['t-0', 't-1'], 1000)).toBe('watching');
    expect(purgatory.checkAndComplete('t-0')).toBe(0);
    highWatermark = 5;
    expect(purgatory.checkAndComplete('t-1')).toBe(1);
    expect(purgatory.checkAndComplete('t-0')).toBe(0);
    timers.advance(2000);
    expect(result).toEqual({ completed: 1, expired: 0 });
    expect(purgatory.size).toBe(0);
  });

  it('expires a waiter at its deadline, once', () => {
    const timers = new ManualClock();
    const purgatory = new Purgatory(10, timers);
    const { op, result } = operation(() => false);
    purgatory.tryCompleteElseWatch(op, ['t-0'], 500);
    timers.advance(499);
    expect(result.expired).toBe(0);
    timers.advance(1);
    expect(result).toEqual({ completed: 0, expired: 1 });
    expect(purgatory.checkAndComplete('t-0')).toBe(0);
  });

  it('refuses new waiters beyond its bound', () => {
    const purgatory = new Purgatory(2, new ManualClock());
    expect(purgatory.tryCompleteElseWatch(operation(() => false).op, ['a'], 100)).toBe('watching');
    expect(purgatory.tryCompleteElseWatch(operation(() => false).op, ['a'], 100)).toBe('watching');
    expect(purgatory.tryCompleteElseWatch(operation(() => false).op, ['a'], 100)).toBe('full');
  });

  it('expires everything on shutdown', () => {
    const purgatory = new Purgatory(10, new ManualClock());
    const waiters = [operation(() => false), operation(() => false)];
    for (const w of waiters) purgatory.tryCompleteElseWatch(w.op, ['a'], 100);
    purgatory.expireAll();
    expect(waiters.map((w) => w.result.expired)).toEqual([1, 1]);
    expect(purgatory.size).toBe(0);
  });
});
