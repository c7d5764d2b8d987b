import { describe, expect, it } from 'vitest';
import { commitPolicy } from './offset-committer.js';

describe('commitPolicy', () => {
  it('defaults to auto-commit every 5 s without a threshold', () => {
    expect(commitPolicy({})).toEqual({ autoCommit: true, intervalMs: 5_000, threshold: undefined });
  });

  it('takes autoCommitIntervalMs over autoCommitInterval, and the threshold and switch as given', () => {
    expect(commitPolicy({ autoCommitInterval: 100, autoCommitIntervalMs: 200, autoCommitThreshold: 3, autoCommit: false })).toEqual({
      autoCommit: false,
      intervalMs: 200,
      threshold: 3,
    });
    expect(commitPolicy({ autoCommitInterval: 0 }).intervalMs).toBe(0);
  });

  it('refuses a negative or infinite interval and a threshold that is not a positive integer', () => {
    expect(() => commitPolicy({ autoCommitInterval: -1 })).toThrow(RangeError);
    expect(() => commitPolicy({ autoCommitIntervalMs: Number.POSITIVE_INFINITY })).toThrow(RangeError);
    expect(() => commitPolicy({ autoCommitThreshold: 0 })).toThrow(RangeError);
    expect(() => commitPolicy({ autoCommitThreshold: 1.5 })).toThrow(RangeError);
  });
});
