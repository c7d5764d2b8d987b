import { describe, expect, it } from 'vitest';
import { Inflights } from './inflights.js';
import { majorityMatchedIndex, voteOutcome } from './quorum.js';

describe('quorum', () => {
  it('finds the index a majority has matched', () => {
    const matches = new Map([[1, 5], [2, 3], [3, 9], [4, 1], [5, 3]]);
    expect(majorityMatchedIndex([1, 2, 3, 4, 5], (id) => matches.get(id) ?? 0)).toBe(3);
    expect(majorityMatchedIndex([1, 2, 3], (id) => matches.get(id) ?? 0)).toBe(5);
    expect(majorityMatchedIndex([1], () => 7)).toBe(7);
  });

  it('decides elections once a majority granted or can no longer grant', () => {
    const votes = new Map<number, boolean>([[1, true]]);
    expect(voteOutcome([1, 2, 3], votes)).toBe('pending');
    votes.set(2, false);
    expect(voteOutcome([1, 2, 3], votes)).toBe('pending');
    votes.set(3, true);
    expect(voteOutcome([1, 2, 3], votes)).toBe('won');
    expect(voteOutcome([1, 2, 3, 4, 5], new Map([[2, false], [3, false], [4, false]]))).toBe('lost');
  });
});

describe('Inflights', () => {
  it('is a bounded ring freed by acknowledgements', () => {
    const inflights = new Inflights(3);
    inflights.add(2);
    inflights.add(4);
    inflights.add(6);
    expect(inflights.full()).toBe(true);
    expect(() => inflights.add(8)).toThrow();
    inflights.freeUpTo(4);
    expect(inflights.size).toBe(1);
    inflights.add(8);
    inflights.add(10);
    inflights.freeFirst();
    inflights.freeUpTo(9);
    expect(inflights.size).toBe(1);
  });
});
