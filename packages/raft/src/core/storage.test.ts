import { describe, expect, it } from 'vitest';
import { CompactedError, RaftInvariantError, UnavailableError } from './errors.js';
import { MemoryStorage } from './memory-storage.js';
import { RaftLog } from './raft-log.js';
import type { Entry } from './types.js';
import { UnstableLog } from './unstable-log.js';

function entry(index: number, term: number, bytes = 0): Entry {
  return { index, term, type: 'normal', data: new Uint8Array(bytes) };
}

function storageWithTerms(terms: readonly number[]): MemoryStorage {
  const storage = new MemoryStorage({ voters: [1, 2, 3], observers: [] });
  storage.append(terms.map((term, i) => entry(i + 1, term)));
  return storage;
}

describe('MemoryStorage', () => {
  it('serves entries and terms, with named errors outside the log', () => {
    const storage = storageWithTerms([1, 1, 2, 3]);
    expect(storage.firstIndex()).toBe(1);
    expect(storage.lastIndex()).toBe(4);
    expect(storage.term(0)).toBe(0);
    expect(storage.term(3)).toBe(2);
    expect(() => storage.term(5)).toThrow(UnavailableError);
    expect(storage.entries(2, 4, Infinity).map((e) => e.index)).toEqual([2, 3]);
    expect(() => storage.entries(2, 6, Infinity)).toThrow(UnavailableError);
  });

  it('limits entries by size but always returns one', () => {
    const storage = new MemoryStorage({ voters: [1], observers: [] });
    storage.append([entry(1, 1, 100), entry(2, 1, 100), entry(3, 1, 100)]);
    expect(storage.entries(1, 4, 1)).toHaveLength(1);
    expect(storage.entries(1, 4, 2 * (100 + 24))).toHaveLength(2);
  });

  it('compacts into a snapshot and refuses reads before it', () => {
    const storage = storageWithTerms([1, 1, 2, 3]);
    storage.compact(3, new Uint8Array([9]));
    expect(storage.snapshot()).toMatchObject({ index: 3, term: 2, voters: [1, 2, 3] });
    expect(storage.firstIndex()).toBe(4);
    expect(storage.term(3)).toBe(2);
    expect(() => storage.term(2)).toThrow(CompactedError);
    expect(() => storage.entries(3, 5, Infinity)).toThrow(CompactedError);
    expect(() => storage.compact(2, new Uint8Array(0))).toThrow(CompactedError);
    expect(() => storage.compact(9, new Uint8Array(0))).toThrow(RaftInvariantError);
  });

  it('overwrites a conflicting tail and skips entries covered by the snapshot', () => {
    const storage = storageWithTerms([1, 1, 1, 1]);
    storage.append([entry(3, 2), entry(4, 2), entry(5, 2)]);
    expect([3, 4, 5].map((index) => storage.term(index))).toEqual([2, 2, 2]);
    storage.compact(4, new Uint8Array(0));
    storage.append([entry(3, 2), entry(4, 2), entry(5, 2), entry(6, 3)]);
    expect(storage.lastIndex()).toBe(6);
    expect(storage.term(6)).toBe(3);
    expect(() => storage.append([entry(9, 3)])).toThrow(RaftInvariantError);
  });

  it('replaces everything with an installed snapshot', () => {
    const storage = storageWithTerms([1, 1]);
    storage.applySnapshot({ index: 10, term: 4, voters: [1, 2, 3], observers: [], data: new Uint8Array(0) });
    expect(storage.firstIndex()).toBe(11);
    expect(storage.lastIndex()).toBe(10);
    expect(storage.term(10)).toBe(4);
  });

  it('keeps the entries after an installed snapshot whose last entry it holds, and only then', () => {
    const matching = storageWithTerms([1, 1, 2, 2]);
    matching.applySnapshot({ index: 2, term: 1, voters: [1, 2, 3], observers: [], data: new Uint8Array(0) });
    expect([matching.firstIndex(), matching.lastIndex(), matching.term(4)]).toEqual([3, 4, 2]);
    const diverged = storageWithTerms([1, 1, 2, 2]);
    diverged.applySnapshot({ index: 2, term: 3, voters: [1, 2, 3], observers: [], data: new Uint8Array(0) });
    expect([diverged.firstIndex(), diverged.lastIndex(), diverged.term(2)]).toEqual([3, 2, 3]);
  });
});

describe('UnstableLog', () => {
  it('marks entries stable only if they were not replaced meanwhile', () => {
    const unstable = new UnstableLog(5);
    unstable.truncateAndAppend([entry(5, 1), entry(6, 1), entry(7, 1)]);
    unstable.truncateAndAppend([entry(6, 2)]); // a new leader overwrote 6..7
    unstable.stableTo(7, 1); // the write of 5..7 (term 1) completed: 7 is gone
    expect(unstable.offset).toBe(5);
    unstable.stableTo(6, 2);
    expect(unstable.offset).toBe(7);
    expect(unstable.entries).toEqual([]);
  });
});

describe('RaftLog', () => {
  it('finds where a divergent follower may match (conflict hint)', () => {
    // Leader 1 1 1 4 4 5 5 6 6 6 / follower 1 1 1 2 2 2 3 3 3 3 3 (Figure 7, f).
    const log = new RaftLog(storageWithTerms([1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]), Infinity);
    expect(log.findConflictByTerm(10, 6)).toEqual({ index: 10, term: 3 });
    expect(log.findConflictByTerm(10, 2)).toEqual({ index: 6, term: 2 });
    expect(log.findConflictByTerm(10, 1)).toEqual({ index: 3, term: 1 });
    expect(log.findConflictByTerm(10, 0)).toEqual({ index: 0, term: 0 });
  });

  it('appends after a match, truncating a conflicting tail, and never commits past what the leader sent', () => {
    const log = new RaftLog(storageWithTerms([1, 1, 2, 2]), Infinity);
    expect(log.maybeAppend(2, 2, 4, [entry(3, 2)])).toBeUndefined(); // (2, 2) is not in our log
    expect(log.maybeAppend(2, 1, 9, [entry(3, 3)])).toBe(3);
    expect(log.lastIndex()).toBe(3);
    expect(log.term(3)).toBe(3);
    expect(log.committed).toBe(3); // min(leader commit 9, last new index 3)
    expect(() => log.maybeAppend(1, 1, 3, [entry(2, 5)])).toThrow(/conflicts with committed entry/);
  });

  it('commits by counting only entries of the given term', () => {
    const log = new RaftLog(storageWithTerms([1, 1, 2]), Infinity);
    expect(log.maybeCommit(2, 2)).toBe(false);
    expect(log.maybeCommit(3, 2)).toBe(true);
    expect(log.committed).toBe(3);
    expect(() => log.commitTo(4)).toThrow(RaftInvariantError);
  });

  it('judges which log is more up to date by last term, then length', () => {
    const log = new RaftLog(storageWithTerms([1, 2, 2]), Infinity);
    expect(log.isUpToDate(3, 2)).toBe(true);
    expect(log.isUpToDate(2, 2)).toBe(false);
    expect(log.isUpToDate(1, 3)).toBe(true);
    expect(log.isUpToDate(9, 1)).toBe(false);
  });
});
