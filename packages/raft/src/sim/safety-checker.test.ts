import { describe, expect, it } from 'vitest';
import type { Entry } from '../core/types.js';
import { SafetyChecker, SafetyViolation, type LogView, type SafetyProperty } from './safety-checker.js';

function entry(index: number, term: number, payload = index): Entry {
  return { index, term, type: 'normal', data: new Uint8Array([payload]) };
}

/** A log given as the terms of entries 1..n. */
function logOf(terms: readonly number[], firstIndex = 1): LogView {
  return { firstIndex, termAt: (index) => (index === 0 ? 0 : terms[index - 1]) };
}

function expectViolation(property: SafetyProperty, action: () => void): void {
  let caught: unknown;
  try {
    action();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SafetyViolation);
  expect((caught as SafetyViolation).property).toBe(property);
}

describe('SafetyChecker', () => {
  it('accepts one leader per term, the same leader seen twice, and new leaders in new terms', () => {
    const checker = new SafetyChecker();
    checker.observeLeader(1, 1);
    checker.observeLeader(1, 1);
    checker.observeLeader(2, 2);
    expect(checker.leaderTermCount).toBe(2);
  });

  it('flags two leaders in one term, even far apart in history', () => {
    const checker = new SafetyChecker();
    checker.observeLeader(1, 3);
    checker.observeLeader(2, 4);
    expectViolation('ElectionSafety', () => checker.observeLeader(2, 3));
  });

  it('flags logs that share an (index, term) but differ before it or in the entry', () => {
    const checker = new SafetyChecker();
    checker.observePersistedEntries(1, 0, [entry(1, 1), entry(2, 1), entry(3, 2)]);
    checker.observePersistedEntries(2, 1, [entry(2, 1), entry(3, 2)]); // same history: fine
    expectViolation('LogMatching', () => checker.observePersistedEntries(3, 1, [entry(2, 1), entry(3, 2, 99)]));
    expectViolation('LogMatching', () => checker.observePersistedEntries(3, 2, [entry(3, 2)]));
  });

  it('flags a node that applies another entry than its peers at an index', () => {
    const checker = new SafetyChecker();
    checker.observeCommit(1, 1, 2, logOf([1, 1]));
    checker.observeApplied(1, 1, 1, 111);
    checker.observeApplied(1, 2, 1, 222);
    checker.observeApplied(2, 1, 1, 111);
    expectViolation('StateMachineSafety', () => checker.observeApplied(2, 2, 1, 999));
  });

  it('flags applying an entry that was never committed, or a snapshot of another state', () => {
    const checker = new SafetyChecker();
    checker.observeCommit(1, 1, 1, logOf([1]));
    checker.observeApplied(1, 1, 1, 111);
    expectViolation('CommittedEntryLost', () => checker.observeApplied(1, 2, 1, 222));
    expectViolation('CommittedEntryLost', () => checker.observeApplied(2, 1, 2, 111));
    expectViolation('StateMachineSafety', () => checker.observeSnapshotInstalled(3, 1, 1, 555));
    checker.observeSnapshotInstalled(3, 1, 1, 111);
  });

  it('flags a node whose log replaced a committed entry', () => {
    const checker = new SafetyChecker();
    checker.observeCommit(1, 2, 3, logOf([1, 2, 2]));
    expectViolation('CommittedEntryLost', () => checker.observeCommit(2, 3, 3, logOf([1, 2, 3])));
    expectViolation('CommittedEntryLost', () => checker.observeCommit(2, 3, 4, logOf([1, 2, 3, 3])));
  });

  it('flags a leader that lacks an entry committed in an earlier term (Figure 8)', () => {
    const checker = new SafetyChecker();
    checker.observeCommit(1, 4, 2, logOf([1, 2])); // (2, t2) seen committed in term 4
    checker.checkLeaderCompleteness(5, 4, logOf([1, 3])); // a leader of term 4 need not hold it...
    checker.checkLeaderCompleteness(2, 5, logOf([1, 2, 5])); // ...one of term 5 must, and does
    checker.checkLeaderCompleteness(3, 6, logOf([1, 2, 5], 10)); // or covers it with its snapshot
    expectViolation('LeaderCompleteness', () => checker.checkLeaderCompleteness(5, 5, logOf([1, 3, 5])));
    expectViolation('LeaderCompleteness', () => checker.checkLeaderCompleteness(5, 7, logOf([1])));
  });

  it('flags votes and acknowledgements sent before they are durable', () => {
    const checker = new SafetyChecker();
    const durable = { hardState: { term: 2, vote: 3, commit: 0 }, lastIndex: 5 };
    const envelope = { term: 2, from: 1, to: 3 } as const;
    checker.checkMessageBacked({ ...envelope, type: 'VoteResponse', granted: true }, durable);
    checker.checkMessageBacked({ ...envelope, to: 4, type: 'VoteResponse', granted: false }, durable);
    checker.checkMessageBacked({ ...envelope, type: 'InstallSnapshotResponse', matchIndex: 5 }, durable);
    expectViolation('PersistBeforeSend', () => checker.checkMessageBacked({ ...envelope, to: 4, type: 'VoteResponse', granted: true }, durable));
    expectViolation('PersistBeforeSend', () =>
      checker.checkMessageBacked({ ...envelope, term: 3, type: 'VoteRequest', lastLogIndex: 5, lastLogTerm: 2, leadershipTransfer: false }, durable),
    );
    const ack = { ...envelope, type: 'AppendResponse', reject: false, matchIndex: 6, rejectedIndex: 0, conflictIndex: 0, conflictTerm: 0 } as const;
    expectViolation('PersistBeforeSend', () => checker.checkMessageBacked(ack, durable));
    checker.checkMessageBacked({ ...ack, reject: true }, durable);
  });
});
