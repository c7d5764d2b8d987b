import { describe, expect, it } from 'vitest';
import { checkHistory, longestGap } from './checker.js';
import type { HistoryEvent } from './history.js';

/** A compact history builder: writes acknowledged at offsets, and polls as [offset, value] lists. */
function ok(process: string, value: string, partition: number, offset: number, time = 0, topic = 't'): HistoryEvent[] {
  return [
    { type: 'invoke', process, topic, value, key: 'k', time },
    { type: 'ok', process, topic, value, key: 'k', partition, offset, time },
  ];
}

function polls(process: string, partition: number, records: Array<[number, string]>, topic = 't'): HistoryEvent[] {
  return records.map(([offset, value]) => ({ type: 'poll', process, topic, partition, offset, value, time: 0 }));
}

function churnPolls(process: string, records: Array<[number, string]>): HistoryEvent[] {
  return records.map(([offset, value]) => ({ type: 'churn-poll', process, topic: 'churn', partition: 0, offset, value, time: 0 }));
}

function created(incarnation: number): HistoryEvent {
  return { type: 'topic-created', topic: 'churn', incarnation, time: 0 };
}

const window = { workloadStart: 0, workloadEnd: 100 };

describe('checkHistory', () => {
  it('finds nothing in a clean history', () => {
    const history = [...ok('w0', 'w0-0', 0, 0), ...ok('w0', 'w0-1', 0, 1), ...polls('r0', 0, [[0, 'w0-0'], [1, 'w0-1']]), ...polls('final', 0, [[0, 'w0-0'], [1, 'w0-1']])];
    const result = checkHistory(history, window);
    expect(result.ok).toBe(true);
    expect(result.acknowledged).toBe(2);
    expect(result.valuesRead).toBe(2);
  });

  it('an acknowledged write nobody read is lost', () => {
    const history = [...ok('w0', 'a', 0, 0), ...ok('w0', 'b', 0, 1), ...polls('final', 0, [[0, 'a']])];
    const result = checkHistory(history, window);
    expect(result.lost).toBe(1);
    expect(result.examples.lost).toEqual([{ value: 'b', topic: 't', partition: 0, offset: 1 }]);
    expect(result.ok).toBe(false);
  });

  it('every acknowledged write is lost when a completed final read found the partitions empty, even those other readers saw', () => {
    const history = [...ok('w0', 'a', 0, 0), ...ok('w0', 'b', 0, 1), ...polls('r0', 0, [[0, 'a'], [1, 'b']])];
    expect(checkHistory(history, { ...window, finalReadDone: true }).lost).toBe(2);
    expect(checkHistory(history, window).lost).toBe(0);
  });

  it('a write other readers saw but the final read lacks is lost', () => {
    const history = [...ok('w0', 'a', 0, 0), ...ok('w0', 'b', 0, 1), ...polls('r0', 0, [[0, 'a'], [1, 'b']]), ...polls('final', 0, [[0, 'a']])];
    const result = checkHistory(history, window);
    expect(result.lost).toBe(1);
    expect(result.examples.lost[0]?.value).toBe('b');
  });

  it('indeterminate writes may be missing without being lost', () => {
    const history: HistoryEvent[] = [
      { type: 'invoke', process: 'w0', topic: 't', value: 'x', key: 'k', time: 0 },
      { type: 'info', process: 'w0', topic: 't', value: 'x', key: 'k', error: 'REQUEST_TIMED_OUT', time: 5 },
    ];
    const result = checkHistory(history, window);
    expect(result).toMatchObject({ lost: 0, indeterminate: 1, ok: true });
  });

  it('a value at two offsets is a duplicate', () => {
    const history = [...ok('w0', 'a', 0, 0), ...polls('final', 0, [[0, 'a'], [1, 'a']])];
    const result = checkHistory(history, window);
    expect(result.duplicates).toBe(1);
    expect(result.examples.duplicates[0]).toEqual({ value: 'a', at: [{ topic: 't', partition: 0, offset: 0 }, { topic: 't', partition: 0, offset: 1 }] });
  });

  it('two readers disagreeing on an offset is an inconsistent offset', () => {
    const history = [...polls('r0', 1, [[5, 'a']]), ...polls('r1', 1, [[5, 'b']])];
    const result = checkHistory(history, window);
    expect(result.inconsistentOffsets).toBe(1);
    expect(result.examples.inconsistentOffsets[0]).toEqual({ topic: 't', partition: 1, offset: 5, values: ['a', 'b'] });
  });

  it('an ack at one offset and a read of another value there is an inconsistent offset', () => {
    const history = [...ok('w0', 'a', 0, 3), ...polls('final', 0, [[3, 'b'], [4, 'a']])];
    const result = checkHistory(history, window);
    expect(result.inconsistentOffsets).toBe(1);
  });

  it('a consumer going backwards is a non-monotonic poll; other consumers and partitions are separate', () => {
    const history = [
      ...polls('r0', 0, [[0, 'a'], [1, 'b'], [1, 'b']]),
      ...polls('r1', 0, [[0, 'a']]),
      ...polls('r0', 1, [[0, 'c']]),
    ];
    const result = checkHistory(history, window);
    expect(result.nonMonotonicPolls).toBe(1);
    expect(result.examples.nonMonotonicPolls[0]).toEqual({ process: 'r0', topic: 't', partition: 0, previous: 1, offset: 1 });
  });

  it('jumping over an offset someone else read is a skipped poll; a gap nobody knows is not', () => {
    const skipping = [...polls('r0', 0, [[0, 'a'], [2, 'c']]), ...polls('r1', 0, [[0, 'a'], [1, 'b'], [2, 'c']])];
    expect(checkHistory(skipping, window).skippedPolls).toBe(1);
    const gap = [...polls('r0', 0, [[0, 'a'], [2, 'c']])];
    expect(checkHistory(gap, window).skippedPolls).toBe(0);
  });

  it("a writer's later write before its earlier one in a partition is an order violation", () => {
    const history = [...ok('w0', 'first', 0, 7), ...ok('w0', 'second', 0, 6), ...ok('w1', 'other', 0, 5), ...polls('final', 0, [[5, 'other'], [6, 'second'], [7, 'first']])];
    const result = checkHistory(history, window);
    expect(result.orderViolations).toBe(1);
    expect(result.examples.orderViolations[0]).toEqual({ process: 'w0', topic: 't', partition: 0, earlier: 'first', earlierOffset: 7, later: 'second', laterOffset: 6 });
  });

  it('a definitely failed write that shows up is reported', () => {
    const history: HistoryEvent[] = [
      { type: 'invoke', process: 'w0', topic: 't', value: 'x', key: 'k', time: 0 },
      { type: 'fail', process: 'w0', topic: 't', value: 'x', key: 'k', error: 'INVALID_RECORD', time: 1 },
      ...polls('final', 0, [[0, 'x']]),
    ];
    expect(checkHistory(history, window).failedButRead).toBe(1);
  });

  it('the longest unavailable window spans the longest time without an acknowledged write', () => {
    const history = [...ok('w0', 'a', 0, 0, 10), ...ok('w0', 'b', 0, 1, 20), ...ok('w0', 'c', 0, 2, 70), ...polls('final', 0, [[0, 'a'], [1, 'b'], [2, 'c']])];
    const result = checkHistory(history, window);
    expect(result.longestUnavailableMs).toBe(50);
    expect(result.unavailableWindow).toEqual({ from: 20, to: 70 });
  });

  it('topics are separate logs: the same partition and offset in two topics is no conflict', () => {
    const history = [
      ...ok('w0', 'a', 0, 0, 0, 't1'),
      ...ok('w0', 'b', 0, 0, 0, 't2'),
      ...polls('final', 0, [[0, 'a']], 't1'),
      ...polls('final', 0, [[0, 'b']], 't2'),
    ];
    expect(checkHistory(history, window).ok).toBe(true);
    const crossed = [...ok('w0', 'a', 0, 0, 0, 't1'), ...polls('final', 0, [[0, 'a']], 't2'), ...polls('final', 0, [[0, 'x']], 't1')];
    const result = checkHistory(crossed, window);
    expect(result).toMatchObject({ lost: 0, inconsistentOffsets: 1 });
    expect(result.examples.inconsistentOffsets[0]).toEqual({ topic: 't1', partition: 0, offset: 0, values: ['a', 'x'] });
  });

  it('a re-created topic serving an older incarnation after a newer one is a stale incarnation read', () => {
    const clean = [created(0), ...churnPolls('c0', [[0, 'i0-0']]), created(1), ...churnPolls('c1', [[0, 'i0-0'], [0, 'i1-0']]), ...churnPolls('churn-final', [[0, 'i1-0']])];
    expect(checkHistory(clean, window)).toMatchObject({ staleIncarnationReads: 0, ok: true });
    const goingBack = [created(0), created(1), ...churnPolls('c1', [[0, 'i1-0'], [1, 'i0-1']])];
    const result = checkHistory(goingBack, window);
    expect(result.staleIncarnationReads).toBe(1);
    expect(result.examples.staleIncarnationReads[0]).toEqual({ process: 'c1', topic: 'churn', partition: 0, offset: 1, value: 'i0-1', incarnation: 0, after: 1 });
    expect(result.ok).toBe(false);
  });

  it('the final read of the churned topic may hold only its last incarnation', () => {
    const history = [created(0), created(1), created(2), ...churnPolls('churn-final', [[0, 'i1-0'], [1, 'i2-0']])];
    const result = checkHistory(history, window);
    expect(result.staleIncarnationReads).toBe(1);
    expect(result.examples.staleIncarnationReads[0]).toMatchObject({ value: 'i1-0', incarnation: 1, after: 2 });
  });

  it('churn reads stay out of the checked topics\' accounting', () => {
    const history = [...ok('w0', 'a', 0, 0), ...polls('final', 0, [[0, 'a']]), created(0), ...churnPolls('c0', [[0, 'i0-0'], [0, 'i0-0']])];
    expect(checkHistory(history, window)).toMatchObject({ ok: true, valuesRead: 1, duplicates: 0, nonMonotonicPolls: 0 });
  });

  it('examples are bounded while counts are not', () => {
    const history = Array.from({ length: 50 }, (_, i) => ok('w0', `v${i}`, 0, i)).flat();
    const result = checkHistory(history, window);
    expect(result.lost).toBe(50);
    expect(result.examples.lost.length).toBe(20);
  });
});

describe('longestGap', () => {
  it('counts the edges of the window', () => {
    expect(longestGap([], 0, 30)).toEqual({ from: 0, to: 30 });
    expect(longestGap([5, 25], 0, 100)).toEqual({ from: 25, to: 100 });
  });
});
