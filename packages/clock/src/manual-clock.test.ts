import { describe, expect, it } from 'vitest';
import { ManualClock } from './manual-clock.js';

describe('ManualClock', () => {
  it('fires timeouts in due order, each at its own time, and only once', () => {
    const clock = new ManualClock(1000);
    const fired: string[] = [];
    clock.setTimeout(() => fired.push(`b@${clock.now()}`), 20);
    clock.setTimeout(() => fired.push(`a@${clock.now()}`), 10);
    clock.setTimeout(() => fired.push(`c@${clock.now()}`), 20);
    clock.advance(15);
    expect(fired).toEqual(['a@1010']);
    clock.advance(100);
    expect(fired).toEqual(['a@1010', 'b@1020', 'c@1020']);
    expect(clock.now()).toBe(1115);
    expect(clock.pendingTimers).toBe(0);
  });

  it('repeats intervals until cancelled, and a cancelled timeout never fires', () => {
    const clock = new ManualClock();
    let ticks = 0;
    const interval = clock.setInterval(() => ticks++, 10);
    const timeout = clock.setTimeout(() => ticks += 100, 5);
    timeout.cancel();
    clock.advance(35);
    expect(ticks).toBe(3);
    interval.cancel();
    clock.advance(100);
    expect(ticks).toBe(3);
  });

  it('fires a timer set by a callback when it falls within the same advance', () => {
    const clock = new ManualClock();
    const fired: number[] = [];
    clock.setTimeout(() => clock.setTimeout(() => fired.push(clock.now()), 5), 5);
    clock.advance(10);
    expect(fired).toEqual([10]);
  });

  it('refuses to go backwards', () => {
    expect(() => new ManualClock().advance(-1)).toThrow(RangeError);
  });
});
