import { describe, expect, it } from 'vitest';
import { DurabilityTracker } from './durability-tracker.js';

/** A tracker over a log whose end the test moves by hand. */
function tracked(policy: 'group-commit' | 'os', flushed = 0): { tracker: DurabilityTracker; log: { end: number } } {
  const log = { end: flushed };
  return { tracker: new DurabilityTracker(policy, () => log.end, flushed), log };
}

/** Whether `promise` has settled, after pending continuations ran. */
async function state(promise: Promise<void>): Promise<'pending' | 'resolved' | 'rejected'> {
  let result: 'pending' | 'resolved' | 'rejected' = 'pending';
  promise.then(
    () => (result = 'resolved'),
    () => (result = 'rejected'),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return result;
}

describe('DurabilityTracker', () => {
  it('starts from what open synced, and advances when a flush succeeds', () => {
    const { tracker, log } = tracked('group-commit', 3);
    expect(tracker.flushedOffset).toBe(3);
    log.end = 10;
    const flush = tracker.startFlush(10);
    expect(tracker.durableEndOffset).toBe(3);
    tracker.endFlush(flush);
    tracker.flushSucceeded(flush);
    expect(tracker.flushedOffset).toBe(10);
    expect(tracker.durableEndOffset).toBe(10);
  });

  it('never moves the flushed offset back when an older flush ends after a newer one', () => {
    const { tracker, log } = tracked('group-commit');
    log.end = 5;
    const older = tracker.startFlush(5);
    log.end = 9;
    const newer = tracker.startFlush(9);
    tracker.flushSucceeded(newer);
    tracker.flushSucceeded(older);
    expect(tracker.flushedOffset).toBe(9);
  });

  it('a flush begun before a truncation raises the flushed offset at most to the truncation point', () => {
    const { tracker, log } = tracked('group-commit');
    log.end = 10;
    const flush = tracker.startFlush(10);
    log.end = 5;
    tracker.truncated(5);
    // New bytes at 5..14 that the flush in flight never covered.
    log.end = 15;
    tracker.flushSucceeded(flush);
    tracker.endFlush(flush);
    expect(tracker.flushedOffset).toBe(5);
  });

  it('a flush that ended before a truncation is not lowered by it later', () => {
    const { tracker, log } = tracked('group-commit');
    log.end = 10;
    const ended = tracker.startFlush(10);
    tracker.endFlush(ended);
    log.end = 20;
    tracker.truncated(20);
    tracker.flushSucceeded(ended);
    expect(tracker.flushedOffset).toBe(10);
  });

  it('a truncation lowers the flushed offset to the new log end', () => {
    const { tracker } = tracked('group-commit', 8);
    tracker.truncated(4);
    expect(tracker.flushedOffset).toBe(4);
    tracker.truncated(6);
    expect(tracker.flushedOffset).toBe(4);
  });

  it('under flush=os counts the whole log durable, fsynced or not', () => {
    const { tracker, log } = tracked('os');
    log.end = 7;
    expect(tracker.durableEndOffset).toBe(7);
    expect(tracker.flushedOffset).toBe(0);
  });

  it('resolves waiters in offset order up to the durable end, whatever order they came in', async () => {
    const { tracker, log } = tracked('group-commit');
    const late = tracker.waitFor(8);
    const early = tracker.waitFor(3);
    log.end = 5;
    const flush = tracker.startFlush(5);
    tracker.flushSucceeded(flush);
    expect(await state(early)).toBe('resolved');
    expect(await state(late)).toBe('pending');
    expect(await state(tracker.waitFor(5))).toBe('resolved');
    tracker.rejectWaiters(new Error('closed'));
    expect(await state(late)).toBe('rejected');
  });

  it('tells listeners each new durable end, and stops after unsubscribe', () => {
    const { tracker, log } = tracked('os');
    const seen: number[] = [];
    const unsubscribe = tracker.onAdvance((offset) => seen.push(offset));
    log.end = 2;
    tracker.notify();
    log.end = 4;
    tracker.notify();
    unsubscribe();
    log.end = 6;
    tracker.notify();
    expect(seen).toEqual([2, 4]);
  });

  it('does not tell listeners of a flush that covered nothing new', () => {
    const { tracker } = tracked('group-commit', 5);
    const seen: number[] = [];
    tracker.onAdvance((offset) => seen.push(offset));
    tracker.flushSucceeded(tracker.startFlush(5));
    expect(seen).toEqual([]);
  });
});
