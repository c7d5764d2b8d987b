import { describe, expect, it } from 'vitest';
import { StreamWatch } from './stream-watch.js';

const TIMEOUT = 2_000;
const INTERVAL = 500;

describe('StreamWatch', () => {
  it('takes a stream silent for the fetch timeout for idle, and any message resets the count', () => {
    const watch = new StreamWatch(TIMEOUT, INTERVAL, 'a:1', 'a:1', 0);
    expect([500, 1_000, 1_500].map((t) => watch.idle(t))).toEqual([false, false, false]);
    watch.heard(1_700);
    expect([2_000, 2_500, 3_000, 3_500].map((t) => watch.idle(t))).toEqual([false, false, false, false]);
    expect(watch.idle(4_000)).toBe(true);
  });

  it("does not count the caller's own stall as the controller's silence", () => {
    const watch = new StreamWatch(TIMEOUT, INTERVAL, 'a:1', 'a:1', 0);
    expect(watch.idle(500)).toBe(false);
    // The follower itself was stopped for ten seconds: the timer fires before the queued messages are read.
    // Counted: the 500 ms heard before it and one check interval; the stall itself is not.
    expect(watch.idle(10_500)).toBe(false);
    expect(watch.idle(11_000)).toBe(false);
    expect(watch.idle(11_500)).toBe(true);
  });

  it('moves only for news: another active controller than the source and the one named at open', () => {
    const watch = new StreamWatch(TIMEOUT, INTERVAL, 'b:1', 'a:1', 0);
    expect(watch.moved(undefined)).toBe(false);
    expect(watch.moved('b:1')).toBe(false);
    // Opened on a hint while the client still named a:1: that old belief is no reason to leave.
    expect(watch.moved('a:1')).toBe(false);
    expect(watch.moved('c:1')).toBe(true);
  });
});
